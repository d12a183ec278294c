#!/usr/bin/env bash
# Before and after on one machine (issue 27's table): a warm report (the README question asked
# twice on one home, the second timed), `synth eval retrieval --split test` on a fresh library,
# `synth eval verifier` on Check-COVID test (twice: the first reads the models from disk), at a
# BEFORE commit (a git worktree with its own model cache) and at the working tree. From the
# repository root, with its virtual environment active:
#   bash bench/issue27_before_after.sh 0e26b12      # 0e26b12: the round's start
# The first run and a new question at BEFORE: copy bench/{first_run,new_question,corpus_pdfs,
# manifest}.py into the worktree and run them there (python -m bench.first_run, ...).
set -u
before=${1:?usage: bench/issue27_before_after.sh BEFORE_COMMIT}
root=$(pwd)
shared=$(cd "$root/../shared" && pwd)
tree=$(mktemp -d)/before
git worktree add -f -q "$tree" "$before"
Q="How does hybrid batch training affect language bias in multilingual retrieval?"
for side in before after; do
  if [ "$side" = before ]; then dir=$tree; models=$tree.models; else dir=$root; models=$(mktemp -d); fi
  cd "$dir"
  export SYNTH_RETRIEVE__MODEL_DIR=$models
  home=$(mktemp -d)
  SYNTH_HOME=$home python -m synth -q report --question "$Q" -o "$home/r1.md" 2>/dev/null  # builds
  /usr/bin/time -f "$side warm report: %e s, %M KB" env SYNTH_HOME="$home" \
    python -m synth -q report --question "$Q" -o "$home/r2.md" 2>&1 | tail -1
  /usr/bin/time -f "$side eval retrieval test: %e s, %M KB" env SYNTH_HOME="$(mktemp -d)" \
    python -m synth -q eval retrieval --data "$shared/data/xquad-r" --split test --json \
    2>&1 >"/tmp/eval_retrieval_$side.json" | tail -1
  for _ in 1 2; do
    SYNTH_HOME=$home python -m synth -q eval verifier --data \
      "$shared/data/nli/check_covid/pairs_flat.tsv" --split test --json 2>/dev/null |
      python -c "import json,sys; d=json.load(sys.stdin); print('$side eval verifier', round(d['pairs_per_s'],1), 'pairs/s, macro-F1', round(d['macro_f1'],3))"
  done
done
cd "$root" && git worktree remove --force "$tree"
