// libyaml 0.2.5 from Debian's `libyaml-dev` (/usr/include/yaml.h, /usr/lib/*/libyaml.so).
// Only RosterYAML imports this module, and only with `internal import`.
#include <yaml.h>
