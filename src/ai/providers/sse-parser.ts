/**
 * Server-sent events decoder (the WHATWG event-stream rules) fed with raw bytes as they arrive.
 * Network chunks split lines, CRLF pairs and multi-byte UTF-8 characters anywhere, so bytes are
 * decoded by a `StringDecoder` (which keeps a split character's first bytes for the next chunk; the
 * WHATWG `TextDecoder` does the same through ICU at several times the cost per chunk) and only
 * complete lines are interpreted. One leading byte-order mark is dropped, as the rules say.
 */
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The `event:` field; undefined means the default `message` type. */
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export interface SseDecoder {
  /** Events completed by this chunk of bytes. */
  push(bytes: Uint8Array): SseEvent[];
  /** Events completed by the end of the stream (a final line without a line break). */
  end(): SseEvent[];
  /** True when the stream so far ended in the middle of an event: a truncated response. */
  hasPartialEvent(): boolean;
}

export function createSseDecoder(): SseDecoder {
  const text = new StringDecoder('utf8');
  let buffer = '';
  let event: string | undefined;
  /** The event's data lines joined by line feeds; undefined before its first `data` line. */
  let data: string | undefined;
  let id: string | undefined;
  let sawField = false;
  let firstChunk = true;

  function dispatch(out: SseEvent[]) {
    if (data !== undefined) out.push({ event, data, id });
    event = undefined;
    data = undefined;
    sawField = false;
  }

  function interpretLine(line: string, out: SseEvent[]) {
    if (line === '') return dispatch(out);
    if (line.charCodeAt(0) === 58 /* : */) return; // comment, used as keep-alive
    sawField = true;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  }

  /** Interprets every complete line of the buffer (found with indexOf, not char by char). */
  function drainLines(out: SseEvent[], final: boolean) {
    const length = buffer.length;
    let start = 0;
    let cr = buffer.indexOf('\r');
    while (start < length) {
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      const lf = buffer.indexOf('\n', start);
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (end === -1) break;
      if (end === cr) {
        // A CR at the very end may be the first half of a CRLF that the next chunk completes.
        if (end === length - 1 && !final) break;
        interpretLine(buffer.slice(start, end), out);
        start = buffer.charCodeAt(end + 1) === 10 /* \n */ ? end + 2 : end + 1;
      } else {
        interpretLine(buffer.slice(start, end), out);
        start = end + 1;
      }
    }
    if (start > 0) buffer = buffer.slice(start);
  }

  return {
    push(bytes) {
      let chunk = text.write(bytes);
      if (firstChunk && chunk !== '') {
        if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
        firstChunk = false;
      }
      buffer = buffer === '' ? chunk : buffer + chunk;
      const out: SseEvent[] = [];
      drainLines(out, false);
      return out;
    },
    end() {
      buffer += text.end();
      const out: SseEvent[] = [];
      drainLines(out, true);
      // Per the spec an unterminated last event is discarded; callers detect it with hasPartialEvent.
      return out;
    },
    hasPartialEvent: () => buffer !== '' || sawField,
  };
}
