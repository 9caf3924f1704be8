# Creates or updates the reference venv (.build-venv) from scripts/requirements.txt and exports
# ROSTER_PYTHON, which tests use to ask the reference implementations directly. Sourced by scripts/test.
ensure_reference_venv() {
  local root="$1"
  local venv="$root/.build-venv"
  local stamp="$venv/.requirements"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || {
      ensure_debian_packages python3-venv
      python3 -m venv "$venv" >&2
    }
  fi
  if ! cmp -s "$root/scripts/requirements.txt" "$stamp"; then
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/scripts/requirements.txt" >&2
    cp "$root/scripts/requirements.txt" "$stamp"
  fi
  export ROSTER_PYTHON="$venv/bin/python"
}
