// Writes the parity corpus: one JSON string per line, deterministic (fixed seed), >= 1000 strings:
// GSM8K questions and answers, hand-picked edge cases (digits, numbers with commas, punctuation,
// whitespace runs, accents precomposed and decomposed, CJK, emoji, contractions, mixed scripts,
// special tokens written literally), random mixtures of those, and a few long texts.
// Usage: node gen_corpus.mjs OUTPUT.jsonl   (GSM8K is read from $IWSI_SHARED_DIR/data/gsm8k)
import fs from "fs";
import path from "path";

const sharedDir = process.env.IWSI_SHARED_DIR || path.resolve("../shared");
const output = process.argv[2];
if (!output) {
  console.error("usage: node gen_corpus.mjs OUTPUT.jsonl");
  process.exit(2);
}

// Mulberry32: a tiny seeded generator, so the corpus is the same on every run.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20240521);
const pick = (list) => list[Math.floor(random() * list.length)];

function readGsm8k(file, every) {
  const lines = fs.readFileSync(path.join(sharedDir, "data", "gsm8k", file), "utf8").split("\n").filter(Boolean);
  const out = [];
  for (let i = 0; i < lines.length; i += every) {
    const record = JSON.parse(lines[i]);
    out.push(record.question, record.answer);
  }
  return out;
}

const numbers = [
  "0", "7", "12", "123", "1234", "12345", "1234567890", "12345678901234567890", "1,234", "1,234,567",
  "1,234,567.89", "$3.50", "$1,000,000", "-42", "+17", "3.14159", "0.5", ".5", "1e10", "2^10", "10%",
  "1/2", "3:45", "2024-05-21", "v1.2.3", "½", "²", "x²+y²", "٣٤٥", "१२३", "Ⅻ", "１２３", "① ② ③", "100km/h",
];
const punctuation = [
  "Hello, world!", "...", "?!?!", "(a)", "[b]", "{c}", "\"quoted\"", "'single'", "— dash –", "…", "«guillemets»",
  "¿Qué?", "¡Hola!", "#### 42", "<<2*3=6>>", "a/b", "@user", "#hashtag", "http://example.com/path?q=1&r=2",
  "C++", "x^2 + y^2 = z^2", "a_b_c", "__init__", "~~~", "```code```", "a.b.c", "e.g.", "Mr. Smith", "!!!\n",
  "$$", "&&||", "->", "=>", "::", ";;", "\\n literally", "tab\\t", "(1) (2)", "'", "''", "\"", "§ 3", "°C",
];
const whitespace = [
  " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "a  b", "a   b", "a\tb", "a\t\tb", "a \n b",
  "  leading", "trailing  ", "\n\nnewlines first", "line1\nline2\r\nline3", "tab\t\tand spaces  \t ",
  "\u00a0nbsp", "ideographic\u3000space", "\u2003em space", "x\u200by", "\f\v", " \t\n", "a\u0085b",
  "\ufeffBOM", "mongolian\u180esep", "end with newline\n", "   \n\n   ", "a\n \nb", "\r\r\n\n",
];
const accents = [
  "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "résumé", "Crème brûlée",
  "ñ", "n\u0303", "São Paulo", "Zoë", "über", "Dvořák", "Łódź", "ẞ ß", "İstanbul ı", "a\u0301\u0323",
  "a\u0323\u0301", "e\u0323\u0302", "Tiếng Việt", "\u1100\u1161\u11a8", "\u1112\u1161\u11ab\u1100\u116e\u11a8",
  "Å", "\u212b", "ḱṷṓn", "q\u0307\u0323", "\u0301leading mark", "o\u0308\u0304",
];
const cjk = [
  "日本語のテキスト", "中文分词测试", "한국어 문장입니다", "漢字かなカナ混じり文", "１２３全角", "ｶﾀｶﾅ",
  "東京は2024年に", "我有3个苹果。", "「引用」", "中文，标点！", "天気がいいですね、散歩しましょう。",
];
const emoji = [
  "🍰", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "❤️", "😀😃😄", "I ❤ NY", "⭐️ rating: 5/5", "🙂🙃", "🤖 robots",
  "emoji🎉inside", "🔥🔥🔥", "✅ done", "🍕 + 🍺 = 😊",
];
const contractions = [
  "I'll", "I'LL", "DON'T", "don't", "it's", "It'S", "we've", "they're", "I'm", "she'd", "'s", "'S", "O'Neil",
  "rock'n'roll", "I’ll", "can't won't shouldn't", "You'RE", "WE'VE", "'ll'd'm", "it''s", "y'all'd've",
];
const mixed = [
  "Hello мир 世界 🌍", "Привет, как дела?", "Γειά σου Κόσμε", "שלום עולם", "مرحبا بالعالم", "नमस्ते दुनिया",
  "สวัสดีชาวโลก", "ქართული", "Ελληνικά and English", "abcабвαβγ", "mixed123числа456", "Ünïcödé ünd ÄSCII",
  "x=１２;y=٣", "Москва2024", "data_science-101", "CamelCaseWord", "snake_case_word", "kebab-case-word",
];
const literalSpecials = [
  "<s>", "</s>", "<unk>", "<s>Hello</s>", "a<s>b", " <s> spaced </s> ", "<|begin_of_text|>Hi",
  "<|end_of_text|>", "<|im_start|>user\nHi<|im_end|>", "<think>x</think>", "<|endoftext|>", "< s>", "<s >",
  "<<s>>", "<s><s></s>", "text</s>", "<|eot_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\n",
];
const controls = ["a\u0000b", "\u0007bell", "\u001b[31mred\u001b[0m", "\u007f", "\u0080\u009f"];

const handPicked = [
  "", ...numbers, ...punctuation, ...whitespace, ...accents, ...cjk, ...emoji, ...contractions, ...mixed,
  ...literalSpecials, ...controls,
];
const gsm8k = [...readGsm8k("train.jsonl", 25), ...readGsm8k("test.jsonl", 20)];

// Random mixtures: fragments glued with varied separators, to meet patterns in new neighborhoods.
const separators = ["", " ", "  ", "\t", "\n", " \n", "\n\n", "   ", ", ", "'"];
const words = gsm8k.flatMap((text) => text.split(/\s+/)).filter((w) => w.length > 0);
const mixtures = [];
for (let i = 0; i < 400; ++i) {
  const parts = [];
  const count = 2 + Math.floor(random() * 6);
  for (let j = 0; j < count; ++j) {
    parts.push(random() < 0.5 ? pick(handPicked) : pick(words));
    parts.push(pick(separators));
  }
  mixtures.push(parts.join(""));
}

// Character soup: short random strings over characters that sit on the regexes' and NFC's edges
// (letters of several scripts, digits of several kinds, combining marks, Hangul jamo, whitespace
// variants, apostrophes, emoji parts). U+017F is left out on purpose: Oniguruma's (?i) folds it to
// 's' (and so do we), the JavaScript port does not.
const soup = Array.from("aZeé\u0301\u0323\u0308 \t\n\r\u00a0\u3000\u2009\u0085\u000b09٣½Ⅻ'sStTlLdDrRvVmM.,!-_(\"日한\u1100\u1161\u11a8🍰👍\u200d\ufe0fßİ\u212b");
const fuzz = [];
for (let i = 0; i < 400; ++i) {
  const length = 1 + Math.floor(random() * 24);
  fuzz.push(Array.from({ length }, () => pick(soup)).join(""));
}

// A few long texts (several GSM8K answers in a row), since real prompts can be long.
const long = [];
for (let i = 0; i < 5; ++i) {
  long.push(Array.from({ length: 20 }, () => pick(gsm8k)).join(pick(["\n\n", " ", "\n"])));
}

const corpus = [...handPicked, ...gsm8k, ...mixtures, ...fuzz, ...long];
fs.writeFileSync(output, corpus.map((s) => JSON.stringify(s)).join("\n") + "\n");
console.log(`gen_corpus: ${corpus.length} strings (${gsm8k.length} from GSM8K) -> ${output}`);
