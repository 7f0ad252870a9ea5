#!/usr/bin/env bash
# Recreate the pgdocs-devset corpus (a subset of the PostgreSQL 15 HTML documentation from
# Debian bookworm's postgresql-doc-15 package) into the folder given as the first argument.
#
#   ./build_corpus.sh OUT_DIR                            # downloads the pinned .deb with apt-get download
#   PGDOC_DEB=/path/postgresql-doc-15_....deb ./build_corpus.sh OUT_DIR   # an already-downloaded .deb
#
# Needs: bash, apt-get (only when PGDOC_DEB is unset), dpkg-deb, sha256sum, python3.
# The result is checked against manifest.sha256 next to this script.
set -euo pipefail

PKG=postgresql-doc-15
VERSION=15.20-0+deb12u1
DEB_SHA256=4c44bf2c599f208b3f46454a6cf7a72e25ec46ff74d37b59dd31ad76b00eebb7
# The subset: pages of the flat html/ folder whose file name matches one of these globs
# (see README.md, "Corpus"). Whole chapters chosen by topic, never page by page, so that the
# pages around a question's answer are its natural distractors.
INCLUDE=('sql-*.html' 'functions*.html' 'datatype*.html' 'runtime-config*.html'
         'ddl*.html' 'indexes*.html' 'queries*.html' 'dml*.html' 'textsearch*.html'
         'mvcc*.html' 'explicit-locking.html' 'transaction-iso.html'
         'routine-*.html' 'backup*.html' 'wal*.html' 'monitoring*.html'
         'auth-*.html' 'client-authentication*.html' 'app-*.html' 'plpgsql*.html'
         'tutorial*.html' 'populate.html' 'using-explain.html' 'performance-tips.html')

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  echo "error: $OUT exists and is not empty" >&2; exit 2
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

if [ -n "${PGDOC_DEB:-}" ]; then
  cp "$PGDOC_DEB" "$TMP/pkg.deb"
else
  mkdir "$TMP/dl"
  (cd "$TMP/dl" && apt-get download "$PKG=$VERSION" >"$TMP/apt.log" 2>&1) \
    || { cat "$TMP/apt.log" >&2; echo "error: apt-get download $PKG=$VERSION failed (set PGDOC_DEB)" >&2; exit 1; }
  mv "$TMP"/dl/${PKG}_*.deb "$TMP/pkg.deb"
fi
echo "$DEB_SHA256  $TMP/pkg.deb" | sha256sum -c --quiet - \
  || { echo "error: .deb checksum differs from the pinned $PKG $VERSION" >&2; exit 1; }

dpkg-deb -x "$TMP/pkg.deb" "$TMP/x"
SRC="$TMP/x/usr/share/doc/$PKG/html"

shopt -s nullglob
(cd "$SRC" && for glob in "${INCLUDE[@]}"; do for f in $glob; do [ -f "$f" ] && echo "$f"; done; done) \
  | LC_ALL=C sort -u > "$TMP/pages"
while IFS= read -r name; do cp "$SRC/$name" "$OUT/$name"; done < "$TMP/pages"

# Every page the queries judge must be in the subset.
python3 - "$OUT" "$HERE/queries.jsonl" <<'PY'
import json, os, sys
out, queries = sys.argv[1], sys.argv[2]
with open(queries, encoding="utf-8") as f:
    judged = {p for line in f if line.strip() for p in json.loads(line)["grades"]}
missing = sorted(p for p in judged if not os.path.isfile(os.path.join(out, p)))
if missing:
    sys.exit(f"error: judged pages not in the corpus: {missing}")
PY

n_files=$(find "$OUT" -type f | wc -l)
if [ -f "$HERE/manifest.sha256" ]; then
  (cd "$OUT" && sha256sum -c --quiet "$HERE/manifest.sha256") \
    || { echo "error: corpus differs from manifest.sha256" >&2; exit 1; }
  n_manifest=$(wc -l < "$HERE/manifest.sha256")
  [ "$n_manifest" -eq "$n_files" ] \
    || { echo "error: $n_files files built, manifest lists $n_manifest" >&2; exit 1; }
  echo "corpus OK: $n_files HTML pages in $OUT (matches manifest.sha256)"
else
  echo "corpus built in $OUT: $n_files HTML pages (no manifest.sha256 to check against)"
fi
