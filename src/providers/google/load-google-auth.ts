/** What the Vertex adapter uses of `google-auth-library`: service account JWT credentials. */
export interface GoogleAuthLibrary {
  JWT: new (options: {
    email: string;
    key: string;
    keyId?: string;
    scopes: string[];
    transporterOptions?: { fetchImplementation?: typeof globalThis.fetch; timeout?: number };
  }) => { authorize(): Promise<{ access_token?: string | null; expiry_date?: number | null }> };
}

export type GoogleAuthLoader = () => Promise<GoogleAuthLibrary>;

/**
 * `google-auth-library` is an optional peer dependency: imported on first use, only by an
 * integration authenticating with a service account key.
 */
const importLibrary: GoogleAuthLoader = async () => {
  const module = (await import('google-auth-library')) as unknown as GoogleAuthLibrary & { default?: GoogleAuthLibrary };
  return module.JWT ? module : module.default!;
};

let loader: GoogleAuthLoader = importLibrary;

export function loadGoogleAuth(): Promise<GoogleAuthLibrary> {
  return loader();
}

/**
 * @internal Replaces how the library is loaded (tests: a missing library); null restores the import.
 */
export function setGoogleAuthLoader(next: GoogleAuthLoader | null): void {
  loader = next ?? importLibrary;
}
