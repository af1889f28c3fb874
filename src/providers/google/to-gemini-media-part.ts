import type { AudioContentPart, FileContentPart, ImageContentPart } from '../../usage/chat-types.js';
import type { GeminiRequestPart } from './gemini-api.js';

/** MIME types by file extension, for the media Gemini accepts by URL. */
const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  aac: 'audio/aac',
  mp4: 'video/mp4',
  mov: 'video/mov',
  webm: 'video/webm',
  txt: 'text/plain',
};

/** A MIME type from the extension of a URL's path or a file name; undefined when unknown. */
export function guessMimeType(nameOrUrl: string): string | undefined {
  let path = nameOrUrl;
  try {
    path = new URL(nameOrUrl).pathname;
  } catch {
    // a file name, not a URL
  }
  const match = /\.([A-Za-z0-9]+)$/.exec(path);
  return match ? MIME_BY_EXTENSION[match[1]!.toLowerCase()] : undefined;
}

/** `data:<mime>[;base64],<data>` as Gemini `inlineData` (base64); null when not a data URL. */
function fromDataUrl(url: string): { mimeType: string; data: string } | null {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) return null;
  const mimeType = match[1] || 'text/plain';
  const base64 = match[2]!.split(';').includes('base64');
  const data = base64 ? match[3]! : Buffer.from(decodeURIComponent(match[3]!), 'utf8').toString('base64');
  return { mimeType, data };
}

/**
 * An OpenAI image: a data URL becomes `inlineData`; an http(s) or `gs://` URL becomes
 * `fileData`, which Gemini fetches itself. `fileData` needs a MIME type: it is told by the
 * URL's extension, else assumed to be JPEG (with a warning).
 */
export function imagePart(part: ImageContentPart, warn: (message: string) => void): GeminiRequestPart {
  const { url, detail } = part.image_url;
  if (detail && detail !== 'auto') warn(`image detail '${detail}' is not supported by Gemini; ignored`);
  const inline = fromDataUrl(url);
  if (inline) return { inlineData: inline };
  let mimeType = guessMimeType(url);
  if (!mimeType) {
    warn(`the MIME type of image URL ${redactUrl(url)} could not be told from its extension; sent as image/jpeg`);
    mimeType = 'image/jpeg';
  }
  return { fileData: { mimeType, fileUri: url } };
}

export function audioPart(part: AudioContentPart): GeminiRequestPart {
  const format = part.input_audio.format.toLowerCase();
  return { inlineData: { mimeType: format.includes('/') ? format : `audio/${format}`, data: part.input_audio.data } };
}

/** An OpenAI file: its data (a data URL, or base64 with a file name telling its type). File ids are OpenAI's own. */
export function filePart(part: FileContentPart, warn: (message: string) => void): GeminiRequestPart | null {
  const { file_data, file_id, filename } = part.file;
  if (file_data) {
    const inline = fromDataUrl(file_data);
    if (inline) return { inlineData: inline };
    const mimeType = filename ? guessMimeType(filename) : undefined;
    if (mimeType) return { inlineData: { mimeType, data: file_data } };
    warn(`a file without a data URL or a known file name extension cannot be sent to Gemini; it was left out`);
    return null;
  }
  if (file_id) warn(`file ids (${file_id}) are not supported by Gemini; the file was left out`);
  return null;
}

/** A URL without its query (signed URLs carry credentials there), for warnings. */
function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : `${url.slice(0, cut)}?…`;
}
