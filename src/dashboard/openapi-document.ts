import { z } from 'zod';
import type { AdminRoute } from './admin-routes.js';
import { adminSchemas, errorSchema } from './admin-schemas.js';

type JsonSchema = Record<string, unknown>;

const toJsonSchema = (schema: z.ZodType): JsonSchema => strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema);

/** A JSON Schema as a part of the OpenAPI document: without the keywords of a standalone one. */
function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** A registered schema by reference; any other inline. */
function schemaOf(schema: z.ZodType): JsonSchema {
  const id = adminSchemas.get(schema)?.id;
  return id ? { $ref: `#/components/schemas/${id}` } : toJsonSchema(schema);
}

const ERRORS: Record<string, string> = {
  '400': 'A bad body or query: `issues` names each field.',
  '401': '`authorize` refused the request.',
  '403': "The caller's role does not allow it, or a change came without `Content-Type: application/json` or from another origin.",
  '404': 'No such key, integration or route.',
  '503': 'The store did not answer.',
};

/**
 * The OpenAPI 3.1 description of the admin API, built from the routes and the zod schemas that
 * validate them: components are the schemas registered in `adminSchemas`.
 * @param base the dashboard's basePath: the API is under `${base}/api`
 */
export function openApiDocument(routes: readonly AdminRoute[], base: string): JsonSchema {
  const registry = z.toJSONSchema(adminSchemas, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  const schemas = Object.fromEntries(Object.entries(registry.schemas).map(([id, schema]) => [id, strip(schema)]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: JsonSchema[] = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (route.query instanceof z.ZodObject) {
      for (const [name, field] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
        parameters.push({ name, in: 'query', required: !field.safeParse(undefined).success, schema: toJsonSchema(field) });
      }
    }
    const mutation = route.method !== 'GET';
    const errors = Object.fromEntries(
      Object.entries(ERRORS)
        .filter(([status]) => (status !== '400' || mutation || route.query) && (status !== '403' || mutation))
        .map(([status, description]) => [status, { description, content: { 'application/json': { schema: schemaOf(errorSchema) } } }]),
    );
    const ok = schemaOf(route.ok.schema);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      description: `Who may call it: ${route.access === 'read' ? 'any authorized caller' : route.access === 'keys' ? "an admin, or a manager for the keys of its workspaces" : 'an admin'}.${mutation ? ' Send `Content-Type: application/json` (even without a body); an `Origin` header must be this server\'s. A `reason` search parameter is kept in the audit.' : ''}`,
      ...(parameters.length > 0 || mutation ? { parameters: mutation ? [...parameters, { name: 'reason', in: 'query', required: false, schema: { type: 'string', maxLength: 1000 }, description: 'Why: kept with the change in the audit.' }] : parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } } : {}),
      responses: {
        [String(route.ok.status)]: { description: route.ok.description, content: { 'application/json': { schema: route.ok.list ? { type: 'array', items: ok } : ok } } },
        ...errors,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tollgate admin API',
      version: '1.0.0',
      description:
        "Keys, integrations, provisioning, limits and the audit of a tollgate gateway, served by `createDashboardHandler`. Who may call what is the handler's `authorize`: a viewer reads, a manager also manages the keys of its workspaces, an admin does everything.",
    },
    servers: [{ url: `${base}/api` }],
    paths,
    components: { schemas },
  };
}
