#!/bin/bash
# Builds build/ngx_http_ws_guard_module.so against the installed Debian nginx:
# a copy of nginx-dev's configure tree, configured with the flags Debian
# built nginx with (--with-compat among them), so that load_module of the
# result works in Debian's nginx.  Reconfigures only when config changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${NGX_SRC:-/usr/share/nginx/src}
build=$top/build
tree=$build/nginx

if [ ! -f "$src/conf_flags" ]; then
    echo "build: $src/conf_flags not found; install nginx-dev" >&2
    exit 1
fi

# Debian's own compiler flags for nginx (from "nginx -V"); -Werror comes
# from nginx's auto/cc for warnings.
cc_opt="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security \
-fPIC -Wdate-time -D_FORTIFY_SOURCE=2 ${WS_GUARD_CC_OPT:-}"
ld_opt="-Wl,-z,relro -Wl,-z,now -fPIC"

stamp=$tree/.ws_guard_config
want=$(cat "$top/config" "$src/conf_flags"; echo "$cc_opt")

if [ ! -f "$tree/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]
then
    rm -rf "$tree"
    mkdir -p "$build"
    cp -r "$src" "$tree"
    # shellcheck disable=SC1091
    . "$tree/conf_flags"
    (cd "$tree" && ./configure "${NGX_CONF_FLAGS[@]}" \
        --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" \
        --add-dynamic-module="$top" > "$build/configure.log" 2>&1) || {
        tail -n 30 "$build/configure.log" >&2
        exit 1
    }
    printf '%s' "$want" > "$stamp"
fi

make -s -C "$tree" -f objs/Makefile modules
# a new file, renamed into place: a running nginx keeps the old one mapped
# (overwriting the mapped file in place crashes its workers)
cp "$tree/objs/ngx_http_ws_guard_module.so" "$build/.module.so.tmp"
mv -f "$build/.module.so.tmp" "$build/ngx_http_ws_guard_module.so"
echo "build: $build/ngx_http_ws_guard_module.so"
