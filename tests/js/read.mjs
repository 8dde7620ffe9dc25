// Reads a text/event-stream with the npm package `eventsource-parser` (the parser behind the
// `eventsource` polyfill and many LLM SDKs) and prints what it saw as JSON lines.
//
// usage: node read.mjs STREAM_FILE PIECE_SIZE
//
// The file's bytes are decoded as UTF-8 in streaming mode (as a browser's EventSource does) and
// fed to the parser in pieces of PIECE_SIZE bytes (0 = all at once), so line ends split across
// pieces are exercised too. Output lines:
//   {"kind":"event","type":T,"data":D,"id":I}   type/id are null when the event had none
//   {"kind":"retry","ms":N}
//   {"kind":"comment","text":C}
//   {"kind":"error","message":M}
import { readFileSync } from "node:fs";
import { createParser } from "eventsource-parser";

const [file, pieceArg] = process.argv.slice(2);
const bytes = readFileSync(file);
const piece = Number(pieceArg ?? "0") || bytes.length || 1;

const out = [];
const parser = createParser({
  onEvent: (e) =>
    out.push({ kind: "event", type: e.event ?? null, data: e.data, id: e.id ?? null }),
  onRetry: (ms) => out.push({ kind: "retry", ms }),
  onComment: (text) => out.push({ kind: "comment", text }),
  onError: (err) => out.push({ kind: "error", message: String(err.message) }),
});

const utf8 = new TextDecoder("utf-8", { ignoreBOM: false });
for (let at = 0; at < bytes.length; at += piece) {
  parser.feed(utf8.decode(bytes.subarray(at, at + piece), { stream: true }));
}
parser.feed(utf8.decode());
for (const line of out) console.log(JSON.stringify(line));
