import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SinkClosedError, type LineWriter } from './line-writer.js';

export interface FileAppenderOptions {
  /** Sync after every write, not only on flush and close. */
  syncEachWrite: boolean;
  /** Permissions of a file this appender creates. */
  mode: number;
}

/**
 * Appends to a file opened lazily in append mode (`O_APPEND`), one `write` call per batch.
 *
 * With `O_APPEND` the kernel moves to the end of the file and writes in one step, so appenders
 * in several processes never overwrite each other (POSIX). That one write call is not split
 * by another writer's is what Linux local filesystems do for regular files (ext4, xfs and btrfs
 * hold the inode lock for the whole write); POSIX itself promises it only for pipes up to
 * PIPE_BUF, NFS emulates O_APPEND with a race, and a short write (disk full) breaks it. Hence
 * one call per batch, never one per line.
 *
 * Operations run one after the other: a write abandoned by its timeout may still be in the
 * kernel when the next batch comes, and a close must not pull the handle from under it.
 */
export class FileAppender implements LineWriter {
  readonly #path: string;
  readonly #options: FileAppenderOptions;
  #handle: FileHandle | null = null;
  #closed = false;
  /** Written since the last sync. */
  #dirty = false;
  /** The last queued file operation; failures stay with their own caller. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FileAppenderOptions) {
    this.#path = path;
    this.#options = options;
  }

  write(text: string, signal: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new SinkClosedError(this.#path));
    return this.#serially(async () => {
      // The delivery may have been abandoned while an earlier operation ran: then write nothing,
      // so that events counted as dropped are really absent from the file.
      signal.throwIfAborted();
      const handle = (this.#handle ??= await this.#open());
      signal.throwIfAborted();
      await writeAll(handle, Buffer.from(text, 'utf8'));
      this.#dirty = true;
      if (this.#options.syncEachWrite) await this.#sync(handle);
    });
  }

  flush(): Promise<void> {
    return this.#serially(async () => {
      if (this.#handle) await this.#sync(this.#handle);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#serially(async () => {
      const handle = this.#handle;
      if (!handle) return;
      this.#handle = null;
      try {
        await this.#sync(handle);
      } finally {
        await handle.close();
      }
    });
  }

  async #sync(handle: FileHandle): Promise<void> {
    if (!this.#dirty) return;
    // datasync: the data and the size, without the timestamps a full fsync would also flush.
    await handle.datasync();
    this.#dirty = false;
  }

  async #open(): Promise<FileHandle> {
    try {
      return await open(this.#path, 'a', this.#options.mode);
    } catch (error) {
      throw openError(this.#path, error);
    }
  }

  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation, operation);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** Writes the whole buffer; loops only on a short write, which the OS does on a full disk or a signal. */
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, null);
    offset += bytesWritten;
  }
}

/** A message that says what to do; the sink never creates directories (a typo would go unnoticed). */
function openError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? `directory ${dirname(path)} does not exist (the sink does not create directories)`
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : error instanceof Error
            ? error.message
            : String(error);
  const wrapped = new Error(`jsonl sink: cannot open ${path} for appending: ${reason}`, { cause: error });
  if (code) Object.assign(wrapped, { code });
  return wrapped;
}
