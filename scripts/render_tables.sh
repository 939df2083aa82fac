#!/usr/bin/env bash
# Render a .docx (e.g. the tables written by `geoproc demo` or Table.write) to PDF and PNG
# pages with LibreOffice headless and poppler, to look at what a journal editor will see.
#
#   bash scripts/render_tables.sh out/demo/tables.docx [OUTDIR] [DPI]
#
# Needs `soffice` and `pdftoppm` (Debian: apt-get install -y libreoffice-writer-nogui
# poppler-utils; CJK glyphs from fonts-noto-cjk, which LibreOffice substitutes for SimSun).
# Not run in CI: it is a look, not a test (the tests read the DOCX XML).
set -euo pipefail
docx="${1:?usage: render_tables.sh FILE.docx [OUTDIR] [DPI]}"
outdir="${2:-$(dirname "$docx")/render}"
dpi="${3:-110}"
for tool in soffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "render_tables.sh: $tool not found (apt-get install -y libreoffice-writer-nogui poppler-utils)" >&2; exit 2; }
done
mkdir -p "$outdir"
# a private LibreOffice profile: no clash with a running instance, nothing left in $HOME
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
timeout 180 soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf \
  --outdir "$outdir" "$docx" >/dev/null
pdf="$outdir/$(basename "${docx%.*}").pdf"
pdftoppm -png -r "$dpi" "$pdf" "$outdir/$(basename "${docx%.*}")"
ls "$outdir"/*.png
