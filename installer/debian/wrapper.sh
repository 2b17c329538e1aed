#!/bin/sh
# @COMMAND@: starts the Officer Console bundle in /opt/officer-console.
# The site configuration /etc/officer-console/config.toml applies unless the user set
# OFFICER_CONSOLE_CONFIG or has an own config.toml in the data directory.
data_dir="${OFFICER_CONSOLE_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/officer-console}"
if [ -z "${OFFICER_CONSOLE_CONFIG:-}" ] && [ ! -f "$data_dir/config.toml" ] \
    && [ -r /etc/officer-console/config.toml ]; then
    OFFICER_CONSOLE_CONFIG=/etc/officer-console/config.toml
    export OFFICER_CONSOLE_CONFIG
fi
exec /opt/officer-console/@COMMAND@ "$@"
