#!/usr/bin/env bash
# Regenerate the example reports: two questions on the bundled corpus, offline, in Markdown,
# LaTeX (compiled with lualatex, first page as PNG) and JSON. From the repository root:
#   bash docs/examples/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")"
report() {  # name, question
  for fmt in md tex json; do
    synth --offline report --question "$2" -f "$fmt" -o "$1.$fmt"
  done
  if command -v lualatex >/dev/null 2>&1; then
    work=$(mktemp -d)
    cp "$1.tex" "$work/" && (cd "$work" && lualatex -interaction=nonstopmode -halt-on-error "$1.tex" >/dev/null)
    cp "$work/$1.pdf" . && rm -rf "$work"
    python - "$1.pdf" "$1.png" <<'PY'
import sys

import pymupdf

page = pymupdf.open(sys.argv[1])[0]
page.get_pixmap(dpi=80).save(sys.argv[2])
PY
  fi
}
report hybrid-batch-training "How does hybrid batch training affect language bias in multilingual retrieval?"
report text-video-retrieval "How well does CLIP transfer to text-video retrieval?"
