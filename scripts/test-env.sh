#!/usr/bin/env bash
# Prepares the Drover test environment on a Debian 12 host, as root:
#   - installs the Debian packages the tests need (only those missing),
#   - starts dockerd when no daemon answers,
#   - builds drover.local/busybox:1 by `docker import` of a busybox-static root filesystem
#     (also tagged busybox:1.36, so examples written for real users run offline here),
#   - runs an image registry on 127.0.0.1:5000 and pushes the image as 127.0.0.1:5000/busybox:1.
#
# Idempotent: every step checks first and does nothing when its result is already in place,
# so a second run changes nothing and takes seconds. Apart from apt-get (only when a package is
# missing), nothing here sends traffic anywhere but loopback.
#
# Usage: scripts/test-env.sh [--with-etcd]
#   --with-etcd   also install etcd-server (only the benchmarks need it; tests do not).
set -euo pipefail

readonly STATE_DIR=/var/lib/drover-test
readonly REGISTRY_ADDR=127.0.0.1:5000
readonly REGISTRY_CONFIG="${STATE_DIR}/registry-config.yml"
readonly REGISTRY_STORAGE="${STATE_DIR}/registry"
readonly REGISTRY_LOG=/var/log/drover-registry.log
readonly DOCKERD_LOG=/var/log/dockerd.log
readonly DOCKER_SOCK=/var/run/docker.sock
readonly LOCAL_IMAGE=drover.local/busybox:1
readonly ALIAS_IMAGE=busybox:1.36
readonly REGISTRY_IMAGE="${REGISTRY_ADDR}/busybox:1"
# Bump when the root filesystem layout below changes, so existing images get rebuilt.
readonly ROOTFS_RECIPE=2
readonly IMAGE_PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

PACKAGES=(docker.io busybox-static docker-registry protobuf-compiler libprotobuf-dev
  python3-grpcio python3-protobuf protobuf-compiler-grpc iproute2 iptables tmux
  # The HTTP gateway's Python example (requests only) and the console's browser tests
  # (Selenium drives Debian's chromium through chromium-driver).
  python3-requests chromium chromium-driver)

START_SECONDS=$SECONDS
REPLACED_IMAGE_ID=""
CHANGES=()
WORK=""
trap '[[ -z $WORK ]] || rm -rf "$WORK"' EXIT

log() { printf 'test-env: %s\n' "$*" >&2; }
die() { printf 'test-env: ERROR: %s\n' "$*" >&2; exit 1; }
changed() { CHANGES+=("$1"); log "$1"; }

for arg in "$@"; do
  case "$arg" in
    --with-etcd) PACKAGES+=(etcd-server) ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (expected: --with-etcd)" ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "must run as root (installs packages, starts dockerd)"

# Several builds may call this at once on a shared host; one at a time, so that only one of them
# starts dockerd or the registry. Daemons started below close fd 9 so they never hold the lock.
exec 9>/var/lock/drover-test-env.lock
flock -w 600 9 || die "another scripts/test-env.sh still holds /var/lock/drover-test-env.lock"

# Without systemd nothing may have mounted the cgroup hierarchies dockerd needs; Debian's
# cgroupfs-mount does that (only installed and run when none is mounted).
if ! grep -qE '^\S+ \S+ cgroup2? ' /proc/mounts; then
  PACKAGES+=(cgroupfs-mount)
  NEED_CGROUP_MOUNT=1
else
  NEED_CGROUP_MOUNT=0
fi

# ---------------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------------
is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

install_missing_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0

  log "installing: ${missing[*]}"
  # Package maintainer scripts would otherwise start services on their own: docker-registry's
  # init script serves on :5000 on every interface with an htpasswd config, which would take
  # the port we need. A policy-rc.d returning 101 is Debian's way to forbid that; it is only
  # installed for the duration of apt-get and only when the host has none.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  {
    # apt-get update only when something must be installed: a fresh host may have no lists.
    # NEEDRESTART_SUSPEND: no interactive/noisy needrestart run from the apt hook.
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
    apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
  } || rc=$?
  ((own_policy)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get failed (exit $rc) installing: ${missing[*]}"
  changed "installed packages: ${missing[*]}"
}

install_missing_packages
if ((NEED_CGROUP_MOUNT)); then
  cgroupfs-mount
  changed "mounted cgroup hierarchies (cgroupfs-mount)"
fi

# Talk to the daemon the tests use, whatever DOCKER_HOST the caller has set.
export DOCKER_HOST="unix://${DOCKER_SOCK}"
# The docker.io package's client. Prefer it by path: another docker client earlier in PATH
# (e.g. /usr/local/bin/docker) may be a different major version than the daemon.
if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker); fi
DOCKERD=$(command -v dockerd || echo /usr/sbin/dockerd)
BUSYBOX=$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -n1)
[[ -x $BUSYBOX ]] || die "busybox-static is installed but its /bin/busybox was not found"
command -v grpc_python_plugin >/dev/null ||
  die "grpc_python_plugin missing although protobuf-compiler-grpc is installed"

# ---------------------------------------------------------------------------------------------
# 2. dockerd
# ---------------------------------------------------------------------------------------------
docker_answers() { "$DOCKER" info >/dev/null 2>&1; }

# Waits up to $1 seconds for the daemon; returns 1 early when the process $2 has died.
wait_for_docker() {
  local deadline=$((SECONDS + $1)) pid=$2
  until docker_answers; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# Starts dockerd with the given extra flags, detached from this shell's session so it outlives
# the caller (CI runner, test harness). Prints its pid.
launch_dockerd() {
  printf '\n=== %s test-env.sh: dockerd %s\n' "$(date -u +%FT%TZ)" "$*" >>"$DOCKERD_LOG"
  setsid nohup "$DOCKERD" "$@" >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  echo $!
}

start_dockerd() {
  docker_answers && return 0

  # A daemon may be starting already (pid file of a live dockerd): give it the full minute.
  local running=""
  [[ -s /var/run/docker.pid ]] && running=$(cat /var/run/docker.pid)
  if [[ -n $running && "$(cat "/proc/${running}/comm" 2>/dev/null)" == dockerd ]]; then
    log "dockerd (pid $running) is running but not answering yet; waiting"
    wait_for_docker 60 "$running" && return 0
    die "dockerd pid $running does not answer after 60 s; see $DOCKERD_LOG"
  fi

  # No systemd on these hosts: run dockerd directly. The kernel may lack what the defaults
  # need (iptables/nf_tables modules, overlayfs on the backing filesystem); on such a failure
  # retry once with the matching fallback, read from the daemon's own error message.
  local flags=() attempt pid log_from
  touch "$DOCKERD_LOG"
  for attempt in 1 2 3; do
    log_from=$(($(wc -l <"$DOCKERD_LOG") + 1))
    pid=$(launch_dockerd "${flags[@]}")
    log "started dockerd${flags[*]:+ ${flags[*]}} (pid $pid), waiting up to 60 s"
    if wait_for_docker 60 "$pid"; then
      changed "started dockerd${flags[*]:+ ${flags[*]}} (pid $pid, log $DOCKERD_LOG)"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    local errors
    errors=$(tail -n +"$log_from" "$DOCKERD_LOG" | grep -Ei 'level=(error|fatal)|failed' || true)
    if [[ " ${flags[*]} " != *" --iptables=false "* ]] && grep -qi 'iptables' <<<"$errors"; then
      log "dockerd failed on iptables; retrying with --iptables=false"
      flags+=(--iptables=false --ip-masq=false)
    elif [[ " ${flags[*]} " != *" --storage-driver=vfs "* ]] &&
      grep -Eqi 'overlay|graphdriver|storage.driver|driver not supported' <<<"$errors"; then
      log "dockerd failed on its storage driver; retrying with --storage-driver=vfs"
      flags+=(--storage-driver=vfs)
    else
      break
    fi
    # Wait for the failed process to release the pid file and socket before retrying.
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  done
  tail -n 30 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer within 60 s; see $DOCKERD_LOG"
}

start_dockerd

# ---------------------------------------------------------------------------------------------
# 3. The busybox image
# ---------------------------------------------------------------------------------------------
image_id() { "$DOCKER" image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# Identifies what the image would be built from: the busybox binary and the recipe above.
# Stored as an image label so a rerun can tell an up-to-date image from a stale one.
rootfs_fingerprint() {
  { sha256sum "$BUSYBOX" | cut -d' ' -f1; echo "recipe=${ROOTFS_RECIPE}"; } |
    sha256sum | cut -d' ' -f1
}

build_rootfs_tar() {
  local root=$1 out=$2 applet link
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www,proc,sys,dev}
  install -m 755 "$BUSYBOX" "$root/bin/busybox"
  # Every applet this busybox has, at its conventional path (so /usr/bin/env shebangs work)
  # and also in /bin (so /bin/nc, /bin/httpd work whatever a test author assumes).
  while IFS= read -r applet; do
    [[ -n $applet ]] || continue
    for link in "$applet" "bin/${applet##*/}"; do
      [[ -e "$root/$link" || -L "$root/$link" ]] && continue
      mkdir -p "$root/$(dirname "$link")"
      ln -s /bin/busybox "$root/$link"
    done
  done < <("$BUSYBOX" --list-full)
  [[ -L "$root/bin/sh" ]] || ln -s /bin/busybox "$root/bin/sh"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  # Sorted, fixed owner and mtime: the same inputs give the same layer.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$out" .
}

build_image() {
  local fp current
  fp=$(rootfs_fingerprint)
  current=$("$DOCKER" image inspect -f '{{index .Config.Labels "dev.drover.rootfs"}}' \
    "$LOCAL_IMAGE" 2>/dev/null || true)
  [[ $current == "$fp" ]] && return 0

  REPLACED_IMAGE_ID=$(image_id "$LOCAL_IMAGE")
  WORK=$(mktemp -d)
  build_rootfs_tar "$WORK/rootfs" "$WORK/rootfs.tar"
  "$DOCKER" import \
    --change 'CMD ["sh"]' \
    --change "ENV PATH=${IMAGE_PATH_ENV}" \
    --change "LABEL dev.drover.rootfs=${fp}" \
    --message "Drover test image: busybox-static root filesystem" \
    "$WORK/rootfs.tar" "$LOCAL_IMAGE" >/dev/null
  # Smoke-check the image before anything depends on it.
  local out
  out=$("$DOCKER" run --rm --network none "$LOCAL_IMAGE" sh -c 'echo drover-ok')
  [[ $out == drover-ok ]] || die "the new image $LOCAL_IMAGE does not run sh (got '$out')"
  changed "built $LOCAL_IMAGE ($(image_id "$LOCAL_IMAGE"))"
}

tag_if_needed() {
  local source=$1 target=$2
  [[ "$(image_id "$target")" == "$(image_id "$source")" ]] && return 0
  "$DOCKER" tag "$source" "$target"
  changed "tagged $target"
}

build_image
tag_if_needed "$LOCAL_IMAGE" "$ALIAS_IMAGE"

# ---------------------------------------------------------------------------------------------
# 4. The registry on 127.0.0.1:5000
# ---------------------------------------------------------------------------------------------
# A plain HTTP request over bash's /dev/tcp: a fresh Debian has neither curl nor wget.
# Prints the response head (status line and headers).
http_head() {
  local path=$1 accept=${2:-*/*}
  timeout 5 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/5000 || exit 1
    printf "HEAD %s HTTP/1.0\r\nHost: 127.0.0.1:5000\r\nAccept: %s\r\n\r\n" "$1" "$2" >&3
    tr -d "\r" <&3' _ "$path" "$accept" 2>/dev/null || true
}

registry_answers() { http_head /v2/ | head -n1 | grep -q ' 200 '; }

write_registry_config() {
  local wanted
  wanted=$(cat <<EOF
# Written by scripts/test-env.sh. Loopback only; no auth (tests only).
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: ${REGISTRY_STORAGE}
  delete:
    enabled: true
http:
  addr: ${REGISTRY_ADDR}
EOF
)
  mkdir -p "$STATE_DIR" "$REGISTRY_STORAGE"
  [[ -f $REGISTRY_CONFIG && "$(cat "$REGISTRY_CONFIG")" == "$wanted" ]] && return 0
  printf '%s\n' "$wanted" >"$REGISTRY_CONFIG"
  changed "wrote $REGISTRY_CONFIG"
}

start_registry() {
  registry_answers && return 0
  if [[ -n "$(http_head /v2/)" ]]; then
    die "something on ${REGISTRY_ADDR} answers but not as an open registry: $(http_head /v2/ | head -n1)"
  fi
  setsid nohup /usr/bin/docker-registry serve "$REGISTRY_CONFIG" \
    >>"$REGISTRY_LOG" 2>&1 </dev/null 9>&- &
  local pid=$! deadline=$((SECONDS + 30))
  until registry_answers; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$REGISTRY_LOG" >&2; die "docker-registry exited; see $REGISTRY_LOG"; }
    ((SECONDS < deadline)) || die "docker-registry does not answer on ${REGISTRY_ADDR} after 30 s"
    sleep 0.5
  done
  changed "started docker-registry on ${REGISTRY_ADDR} (pid $pid, log $REGISTRY_LOG)"
}

check_insecure_loopback() {
  # Docker talks plain HTTP only to registries it considers insecure; 127.0.0.0/8 is by default.
  "$DOCKER" info -f '{{json .RegistryConfig.InsecureRegistryCIDRs}}' | grep -q '127.0.0.0/8' ||
    die "dockerd does not treat 127.0.0.0/8 as an insecure registry; cannot push over HTTP"
}

push_image() {
  tag_if_needed "$LOCAL_IMAGE" "$REGISTRY_IMAGE"
  # The registry already has it when its manifest digest is among the image's repo digests.
  local served
  served=$(http_head /v2/busybox/manifests/1 application/vnd.docker.distribution.manifest.v2+json |
    sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p')
  if [[ -n $served ]] && "$DOCKER" image inspect -f '{{join .RepoDigests "\n"}}' "$REGISTRY_IMAGE" |
    grep -qx "${REGISTRY_ADDR}/busybox@${served}"; then
    return 0
  fi
  "$DOCKER" push "$REGISTRY_IMAGE" >/dev/null
  changed "pushed $REGISTRY_IMAGE"
}

# A rebuilt image leaves the previous one without tags once all three names moved on.
remove_replaced_image() {
  [[ -n $REPLACED_IMAGE_ID ]] || return 0
  [[ -z "$("$DOCKER" image inspect -f '{{join .RepoTags " "}}' "$REPLACED_IMAGE_ID" 2>/dev/null)" ]] ||
    return 0
  "$DOCKER" rmi "$REPLACED_IMAGE_ID" >/dev/null 2>&1 && changed "removed replaced image $REPLACED_IMAGE_ID"
  return 0
}

write_registry_config
start_registry
check_insecure_loopback
push_image
remove_replaced_image

# ---------------------------------------------------------------------------------------------
summary="docker $("$DOCKER" version -f '{{.Server.Version}}') up, $LOCAL_IMAGE=$(image_id "$LOCAL_IMAGE" | cut -c8-19)"
summary+=" (also $ALIAS_IMAGE), registry $REGISTRY_ADDR serving busybox:1"
if ((${#CHANGES[@]} == 0)); then
  summary+="; nothing changed"
else
  summary+="; ${#CHANGES[@]} change(s)"
fi
echo "test-env: ready in $((SECONDS - START_SECONDS)) s: $summary"
