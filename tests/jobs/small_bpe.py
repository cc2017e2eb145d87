"""A small byte-level BPE tokenizer cut from Llama-3's tokenizer.json, for models trained in tests.

Llama-3's vocabulary is ordered by merge rank: ids 0-255 are the 256 byte symbols and every later
id is the result of one merge. Its first N ids with the merges among them are therefore a complete
byte-level BPE tokenizer -- the same pre-tokenizer regex, byte mapping, ignore_merges and decoder,
only coarser -- whose embedding table is small enough to train on 2 CPU cores. BOS/EOS become ids
N and N+1, added by a TemplateProcessing post-processor as the Meta-Llama-3 checkpoints do.

Usage: small_bpe.py LLAMA3_TOKENIZER_JSON N OUT_DIR
"""
import json
import sys

source, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
full = json.load(open(source, encoding="utf-8"))
model = full["model"]
assert model["type"] == "BPE" and len(model["vocab"]) > size >= 256, "expected a BPE tokenizer larger than N"
vocab = {piece: i for piece, i in model["vocab"].items() if i < size}
assert len(vocab) == size and all(len(p) == 1 for p, i in vocab.items() if i < 256), "ids 0-255 are not bytes"
merges = []
for merge in model["merges"]:
    left, right = merge.split(" ") if isinstance(merge, str) else merge
    if left in vocab and right in vocab and left + right in vocab:
        merges.append(merge)
# Every non-byte token must be reachable by a merge, or it could never be produced.
assert len(merges) >= size - 256, (len(merges), size - 256)
model["vocab"], model["merges"] = vocab, merges

bos, eos = "<|begin_of_text|>", "<|end_of_text|>"
full["added_tokens"] = [
    {"id": size + i, "content": token, "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": False, "special": True} for i, token in enumerate((bos, eos))]
full["post_processor"] = {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
             {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {bos: {"id": bos, "ids": [size], "tokens": [bos]}},
}
json.dump(full, open(f"{out}/tokenizer.json", "w", encoding="utf-8"), ensure_ascii=False)
json.dump({"bos_token": bos, "eos_token": eos, "clean_up_tokenization_spaces": True},
          open(f"{out}/tokenizer_config.json", "w", encoding="utf-8"), indent=1)
print(f"small_bpe.py: {size} BPE tokens + BOS {size} + EOS {size + 1} in {out}/tokenizer.json")
