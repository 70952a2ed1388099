#!/bin/sh
# As the official image does: without a config file Redis refuses other hosts (protected mode) unless told.
set -e
if [ "$1" = redis-server ]; then
  case "$2" in
    *.conf) ;;
    *) shift; set -- redis-server "$@" --protected-mode no ;;
  esac
fi
exec "$@"
