#!/usr/bin/env bash
# Render every WallHinge enclosure model to STL and fail loudly on a broken one.
#
#   scripts/render_enclosure.sh                 # all of hardware/enclosure/*.scad -> build/enclosure/
#   scripts/render_enclosure.sh OUT_DIR         # same, into OUT_DIR
#   scripts/render_enclosure.sh OUT_DIR a.scad  # just these files
#   PREVIEW=1 scripts/render_enclosure.sh       # also a PNG view of each STL (needs xvfb-run)
#   RENDER_FN=16 scripts/render_enclosure.sh    # coarse circles: a faster syntax/geometry check
#
# Each model renders once with its defaults (NAME.stl), and once per line
#   // @variant VARIANT key="value" key2=number
# in its source (NAME-VARIANT.stl), so every sensor/board/base option is
# built, not just the default. A model fails if openscad exits non-zero,
# prints any warning (--hardwarnings: an unknown variable or a bad argument
# is a bug, not noise), or produces an empty or missing STL.
#
# Needs: openscad (Debian/Ubuntu: apt-get install -y openscad).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/enclosure}"
shift || true

if ! command -v openscad >/dev/null 2>&1; then
    echo "render_enclosure: openscad is not installed; install it with: sudo apt-get install -y openscad" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    models=("$@")
else
    shopt -s nullglob
    models=("$root"/hardware/enclosure/*.scad)
    shopt -u nullglob
fi
if [ "${#models[@]}" -eq 0 ]; then
    echo "render_enclosure: no .scad files found in $root/hardware/enclosure" >&2
    exit 2
fi

mkdir -p "$out" || { echo "render_enclosure: cannot create output folder $out" >&2; exit 2; }
failed=0

# render MODEL STL [key=value ...]
render() {
    local model="$1" stl="$2"
    shift 2
    local defs=()
    local kv
    for kv in "$@"; do defs+=(-D "$kv"); done
    # Coarser circles for a quick check (CI); the printed parts use the models' own $fn.
    [ -n "${RENDER_FN:-}" ] && defs+=(-D "\$fn=$RENDER_FN")
    local log start facets
    log="$(mktemp)"
    start=$(date +%s)
    if ! openscad --hardwarnings "${defs[@]}" -o "$stl" "$model" >"$log" 2>&1; then
        echo "FAIL $(basename "$model") ${*:-(defaults)}: openscad failed:" >&2
        sed 's/^/    /' "$log" >&2
        failed=1
        rm -f "$log" "$stl"
        return
    fi
    if grep -qiE "^(WARNING|ERROR)|top level object is empty" "$log"; then
        echo "FAIL $(basename "$model") ${*:-(defaults)}: openscad reported a problem:" >&2
        grep -iE "WARNING|ERROR|empty" "$log" | sed 's/^/    /' >&2
        failed=1
        rm -f "$log"
        return
    fi
    rm -f "$log"
    facets=0
    [ -f "$stl" ] && facets=$(grep -c "facet normal" "$stl" || true)
    if [ "$facets" -eq 0 ]; then
        echo "FAIL $(basename "$model") ${*:-(defaults)}: the STL is missing or empty (the model subtracts everything?)" >&2
        failed=1
        return
    fi
    echo "ok   $(basename "$stl"): $facets facets, $(( $(date +%s) - start )) s"
    if [ "${PREVIEW:-0}" = 1 ] && command -v xvfb-run >/dev/null 2>&1; then
        xvfb-run -a openscad "${defs[@]}" --render --autocenter --viewall --imgsize=1000,750 \
            --colorscheme=Tomorrow -o "${stl%.stl}.png" "$model" >/dev/null 2>&1 \
            || echo "     (no preview for $(basename "$stl"))"
    fi
}

for model in "${models[@]}"; do
    if [ ! -f "$model" ]; then
        echo "FAIL $model: no such file" >&2
        failed=1
        continue
    fi
    name="$(basename "$model" .scad)"
    render "$model" "$out/$name.stl"
    # Variants: "// @variant NAME key=value ..." (values without spaces).
    while read -r _ _ variant rest; do
        [ -n "$variant" ] || continue
        read -r -a assigns <<<"$rest"
        render "$model" "$out/$name-$variant.stl" "${assigns[@]}"
    done < <(grep -E '^// @variant ' "$model")
done

if [ "$failed" -ne 0 ]; then
    echo "render_enclosure: some models failed (see above)" >&2
    exit 1
fi
echo "render_enclosure: all STLs in $out"
