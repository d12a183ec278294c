#!/usr/bin/env bash
# Regenerate the example reports: two questions on the bundled corpus, offline, in Markdown,
# LaTeX (compiled with lualatex, first page as PNG) and JSON. From the repository root:
#   bash docs/examples/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")"
# a fresh home: the library holds the bundled corpus only (the model cache is shared if built)
export SYNTH_HOME=$(mktemp -d)
models=$(python -c "from synth.core.settings import default_home; print(default_home() / 'models')")
[ -d "$models" ] && export SYNTH_RETRIEVE__MODEL_DIR="${SYNTH_RETRIEVE__MODEL_DIR:-$models}"
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

# The HTML report of two PDFs (made from real corpus papers by bench/corpus_pdfs.py), every
# quote shown on its page, and its screenshot in headless Chromium.
pdfs=$(mktemp -d)
(cd ../.. && python -m bench.corpus_pdfs --out "$pdfs" 2212.11791 2212.11803 >/dev/null)
synth --offline report --question "Can deep networks keep their accuracy without floating-point multiplications?" \
  --pdf "$pdfs/2212.11791.pdf" --pdf "$pdfs/2212.11803.pdf" -f html -o integer-only-inference.html
rm -rf "$pdfs"
if command -v chromium >/dev/null 2>&1; then
  shot=$(mktemp -d)/full.png
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,6000 \
    --screenshot="$shot" "file://$PWD/integer-only-inference.html" 2>/dev/null
  # what a reader looks at first: the claims table and the first evidence on its page
  python - "$shot" <<'PY'
import sys

from PIL import Image

full = Image.open(sys.argv[1])
top = 2150
full.crop((0, top, full.width, top + 2000)).save("integer-only-inference.png", optimize=True)
PY
fi
