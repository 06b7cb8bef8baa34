# Shared by the package tests (sourced): check NAME CONDITION records ok/FAIL in $fail; skip WHY
# reports OSTEON-SKIP (ctest: skipped), which under CI=true is a failure instead.
fail=0
check() { if eval "$2"; then echo "ok:   $1"; else echo "FAIL: $1"; fail=1; fi; }
skip() {
  if [ "${CI:-}" = true ]; then echo "CI=true, so this is a failure, not a skip: $*"; exit 1; fi
  echo "OSTEON-SKIP: $*"; exit 0
}
