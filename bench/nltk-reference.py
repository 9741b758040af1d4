#!/usr/bin/env python3
"""Times nltk's own BLEU, GLEU and METEOR on the pairs of bench/sentence-pairs.ts, for the
`metrics` benchmark (bench/metric-throughput-bench.ts) to compare with Proctor's ports.

usage: nltk-reference.py PAIRS_JSONL METRIC:COUNT [METRIC:COUNT ...]

PAIRS_JSONL holds one {"candidate": ..., "reference": ...} per line. For each METRIC (bleu, gleu,
meteor, tokenize) the first COUNT pairs are scored as the text_similarity grader scores them
(architecture §6):

  bleu      sentence_bleu([ref], hyp, smoothing_function=SmoothingFunction().method4)
  gleu      sentence_gleu([ref], hyp)
  meteor    meteor_score([ref], hyp)   (WordNet from $NLTK_DATA/corpora/wordnet)
  tokenize  len(ref) + len(hyp): the tokenising alone

with ref/hyp = word_tokenize(text, preserve_line=True). preserve_line skips Punkt sentence
splitting, whose model (punkt) Debian's python3-nltk does not ship; every generated text is a
single sentence, so the tokens are those of plain word_tokenize. Tokenising is inside the timed
loop, as it is on Proctor's side.

Writes one JSON object per metric to stdout:
  {"metric", "pairs", "seconds", "first_call_ms", "scores": [...]}
first_call_ms is the first call on its own (untimed in "seconds"): for METEOR it is the WordNet
load. Progress and warnings go to stderr.
"""

import gc
import json
import sys
import time
import warnings


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, specs = argv[0], argv[1:]

    import nltk
    from nltk.tokenize import word_tokenize
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
    from nltk.translate.gleu_score import sentence_gleu
    from nltk.translate.meteor_score import meteor_score

    warnings.simplefilter("ignore")
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                pairs.append((row["candidate"], row["reference"]))

    method4 = SmoothingFunction().method4

    def tok(text):
        return word_tokenize(text, preserve_line=True)

    scorers = {
        "bleu": lambda c, r: sentence_bleu([tok(r)], tok(c), smoothing_function=method4),
        "gleu": lambda c, r: sentence_gleu([tok(r)], tok(c)),
        "meteor": lambda c, r: meteor_score([tok(r)], tok(c)),
        "tokenize": lambda c, r: len(tok(r)) + len(tok(c)),
    }

    print(f"nltk {nltk.__version__}, python {sys.version.split()[0]}, {len(pairs)} pairs", file=sys.stderr)
    for spec in specs:
        metric, _, count = spec.partition(":")
        score = scorers[metric]
        subset = pairs[: int(count)] if count else pairs
        if not subset:
            continue
        # The first call alone: lazy imports, and for METEOR the WordNet corpus load.
        t0 = time.perf_counter()
        first = score(*subset[0])
        first_ms = (time.perf_counter() - t0) * 1000
        scores = [first]
        gc.collect()
        t0 = time.perf_counter()
        for c, r in subset[1:]:
            scores.append(score(c, r))
        seconds = time.perf_counter() - t0
        print(f"nltk {metric}: {len(subset) - 1} pairs in {seconds:.2f} s", file=sys.stderr)
        out = {"metric": metric, "pairs": len(subset) - 1, "seconds": seconds, "first_call_ms": first_ms, "scores": scores}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
