// Compares our encodings with Hugging Face's, line by line: prints the first mismatches (string,
// expected ids, got ids) and a one-line summary; exits 1 on any mismatch of ids or decoded text.
// Usage: node compare.mjs LABEL CORPUS.jsonl EXPECTED.jsonl GOT.jsonl [MAX_SHOWN]
import fs from "fs";

const [label, corpusFile, expectedFile, gotFile, maxShownArg] = process.argv.slice(2);
const maxShown = Number(maxShownArg ?? 10);
const readLines = (file) => fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
const corpus = readLines(corpusFile).map((l) => JSON.parse(l));
const expected = readLines(expectedFile).map((l) => JSON.parse(l));
const got = readLines(gotFile).map((l) => JSON.parse(l));
if (expected.length !== corpus.length || got.length !== corpus.length) {
  console.log(`${label}: FAIL: line counts differ (corpus ${corpus.length}, expected ${expected.length}, got ${got.length})`);
  process.exit(1);
}

// The JavaScript ByteFallback decoder uses a default TextDecoder, which drops a byte-order mark at the
// start of each byte run; HF's Rust decoder (and ours) keeps U+FEFF. Such decodes are counted apart.
const differsOnlyByJsBomStripping = (expectedText, gotText) =>
  gotText.includes("\uFEFF") && gotText.replaceAll("\uFEFF", "") === expectedText.replaceAll("\uFEFF", "");

// JavaScript's regex \s matches U+FEFF; Rust's engines (Oniguruma in HF tokenizers, the fancy-regex
// crate) and ours do not, so a JS split regex cuts " \uFEFF" apart where HF's Rust code keeps it
// whole. Lines with U+FEFF whose ids differ but decode equal are counted apart, never as matches.
const differsOnlyByJsBomWhitespace = (text, expectedEntry, gotEntry) =>
  text.includes("\uFEFF") && expectedEntry.decoded === gotEntry.decoded;

let idMismatches = 0;
let bomWhitespaceDifferences = 0;
let bomDifferences = 0;
let decodeMismatches = 0;
let shown = 0;
for (let i = 0; i < corpus.length; ++i) {
  let idsEqual = JSON.stringify(expected[i].ids) === JSON.stringify(got[i].ids);
  if (!idsEqual && differsOnlyByJsBomWhitespace(corpus[i], expected[i], got[i])) {
    ++bomWhitespaceDifferences;
    idsEqual = true;
  }
  let decodedEqual = expected[i].decoded === got[i].decoded;
  if (!decodedEqual && differsOnlyByJsBomStripping(expected[i].decoded, got[i].decoded)) {
    ++bomDifferences;
    decodedEqual = true;
  }
  if (!idsEqual) ++idMismatches;
  if (!decodedEqual) ++decodeMismatches;
  if ((idsEqual && decodedEqual) || shown >= maxShown) continue;
  ++shown;
  console.log(`${label}: mismatch on line ${i + 1}: ${JSON.stringify(corpus[i])}`);
  if (!idsEqual) {
    console.log(`  expected ids: ${JSON.stringify(expected[i].ids)}`);
    console.log(`  got ids:      ${JSON.stringify(got[i].ids)}`);
  }
  if (!decodedEqual) {
    console.log(`  expected decode: ${JSON.stringify(expected[i].decoded)}`);
    console.log(`  got decode:      ${JSON.stringify(got[i].decoded)}`);
  }
}
const ok = idMismatches === 0 && decodeMismatches === 0;
console.log(`${label}: ${ok ? "PASS" : "FAIL"}: ${corpus.length - idMismatches - bomWhitespaceDifferences}/${corpus.length} encodings equal, ` +
            `${corpus.length - decodeMismatches}/${corpus.length} decodes equal` +
            (bomDifferences > 0 ? ` (${bomDifferences} differing only by the JS decoder's BOM stripping)` : "") +
            (bomWhitespaceDifferences > 0
                 ? ` (${bomWhitespaceDifferences} encodings differing only where JS regex \\s matches U+FEFF)` : ""));
process.exit(ok ? 0 : 1);
