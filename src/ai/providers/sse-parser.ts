/**
 * Server-sent events decoder (the WHATWG event-stream rules) fed with raw bytes as they arrive.
 * Network chunks split lines, CRLF pairs and multi-byte UTF-8 characters anywhere, so bytes are
 * decoded in streaming mode and only complete lines are interpreted.
 */

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
  const text = new TextDecoder('utf-8');
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  let id: string | undefined;
  let sawField = false;
  let firstChunk = true;

  function dispatch(out: SseEvent[]) {
    if (data.length > 0) out.push({ event, data: data.join('\n'), id });
    event = undefined;
    data = [];
    sawField = false;
  }

  function interpretLine(line: string, out: SseEvent[]) {
    if (line === '') return dispatch(out);
    if (line.startsWith(':')) return; // comment, used as keep-alive
    sawField = true;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  }

  function drainLines(out: SseEvent[], final: boolean) {
    let start = 0;
    for (let i = 0; i < buffer.length; i += 1) {
      const char = buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF that the next chunk completes.
      if (char === '\r' && i === buffer.length - 1 && !final) break;
      interpretLine(buffer.slice(start, i), out);
      if (char === '\r' && buffer[i + 1] === '\n') i += 1;
      start = i + 1;
    }
    buffer = buffer.slice(start);
  }

  return {
    push(bytes) {
      let chunk = text.decode(bytes, { stream: true });
      if (firstChunk && chunk !== '') {
        if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
        firstChunk = false;
      }
      buffer += chunk;
      const out: SseEvent[] = [];
      drainLines(out, false);
      return out;
    },
    end() {
      buffer += text.decode();
      const out: SseEvent[] = [];
      drainLines(out, true);
      // Per the spec an unterminated last event is discarded; callers detect it with hasPartialEvent.
      return out;
    },
    hasPartialEvent: () => buffer !== '' || sawField,
  };
}
