#!/usr/bin/env bash
# Install (or remove) the WallHinge station on Raspberry Pi OS (Bookworm or later;
# Pi 5, Pi 4, Zero 2 W). Run from a checkout of the project:
#
#   sudo scripts/install.sh              install or upgrade; safe to run again
#   sudo scripts/install.sh --dry-run    print every command, change nothing
#   sudo scripts/install.sh --uninstall  remove the program, keep config and session log
#   sudo scripts/install.sh --uninstall --purge   remove those too
#
# What it sets up: apt packages (numpy, OpenCV, picamera2, lgpio come from apt),
# a venv at /opt/wallhinge/venv that sees them (--system-site-packages) with only
# what apt lacks installed by pip, the system user "wallhinge" in the gpio, video,
# i2c and audio groups, /etc/wallhinge/wallhinge.toml (never overwritten), and the
# systemd service, enabled and started.
#
# WALLHINGE_ROOT (environment) prefixes every path written, for staging an image
# or for tests; it is empty on a real install.
set -euo pipefail

readonly ROOT="${WALLHINGE_ROOT:-}"
readonly APP_DIR="${ROOT}/opt/wallhinge"
readonly VENV="${APP_DIR}/venv"
readonly CONF_DIR="${ROOT}/etc/wallhinge"
readonly CONF="${CONF_DIR}/wallhinge.toml"
readonly STATE_DIR="${ROOT}/var/lib/wallhinge"
readonly UNIT_DIR="${ROOT}/etc/systemd/system"
readonly UNIT_NAME="wallhinge.service"
readonly COMMAND="${ROOT}/usr/local/bin/wallhinge"  # the installed `python -m device`, on PATH
readonly SERVICE_USER="wallhinge"
readonly DEVICE_GROUPS=(gpio video i2c audio)

# numpy, OpenCV, picamera2 (with libcamera) and lgpio must come from apt: they
# are built for the Pi's camera stack and CPU, and a pip numpy would shadow the
# one python3-opencv and python3-picamera2 were built against.
readonly APT_PACKAGES=(
    python3 python3-venv python3-pip
    python3-numpy python3-opencv python3-picamera2 python3-lgpio python3-gpiozero
    i2c-tools sqlite3
    espeak-ng alsa-utils
)
# Only what apt lacks (Bookworm ships pydantic 1); nothing here may pull numpy.
# paho-mqtt 2 (the MQTT link, device/net): Bookworm's python3-paho-mqtt is 1.6.
readonly PIP_PACKAGES=("pydantic>=2.5,<3" "paho-mqtt>=2.1,<3"
    # the clinic dashboard (device/dashboard): pure Python but Pillow, which has Pi wheels
    "starlette>=1.0,<2" "uvicorn>=0.30" "jinja2>=3.1" "python-multipart>=0.0.9" "fpdf2>=2.7,<3")
# The time-of-flight hip sensor's drivers (device/io/tof.py), only when used.
readonly TOF_PIP_PACKAGES=(adafruit-blinka adafruit-extended-bus
    adafruit-circuitpython-vl53l1x adafruit-circuitpython-vl53l0x)

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRY_RUN=0
UNINSTALL=0
PURGE=0
START=1
TOF=0
MQTT_LOCAL=0

usage() {
    cat <<EOF
usage: $0 [--dry-run] [--no-start] [--tof] [--mqtt-local] [--src DIR]
       $0 --uninstall [--purge] [--dry-run]

  --dry-run     print every command that would run; change nothing
  --no-start    install and enable the service but do not (re)start it now
  --tof         a VL53L1X/VL53L0X hip sensor: turn on I2C (raspi-config) and install
                its drivers (automatic when the config has kind = "vl53l1x")
  --mqtt-local  a Mosquitto broker on this Pi for the station (loopback only, with a
                password file) and the unit drop-in that lets the station reach it
  --src DIR     project checkout to install (default: ${SRC_DIR})
  --uninstall   stop and remove the service and the program; keeps
                /etc/wallhinge and the session log in /var/lib/wallhinge
  --purge       with --uninstall: also delete the config, the session log and the user
EOF
}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Every command that changes the system goes through run(): printed always,
# executed only without --dry-run.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    if [[ ${DRY_RUN} -eq 0 ]]; then
        "$@"
    fi
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --dry-run) DRY_RUN=1 ;;
            --uninstall) UNINSTALL=1 ;;
            --purge) PURGE=1 ;;
            --no-start) START=0 ;;
            --tof | --enable-i2c) TOF=1 ;;
            --mqtt-local) MQTT_LOCAL=1 ;;
            --src)
                [[ $# -ge 2 ]] || die "--src needs a directory"
                SRC_DIR="$2"
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                printf 'error: unknown option %s\n' "$1" >&2
                exit 2
                ;;
        esac
        shift
    done
    if [[ ${PURGE} -eq 1 && ${UNINSTALL} -eq 0 ]]; then
        die "--purge only goes with --uninstall"
    fi
}

preflight() {
    if [[ ${DRY_RUN} -eq 0 && ${EUID} -ne 0 ]]; then
        die "run as root: sudo $0 $*"
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        die "apt-get not found: this installer is for Raspberry Pi OS (Debian Bookworm or later)"
    fi
    local codename=""
    if [[ -r /etc/os-release ]]; then
        # shellcheck source=/dev/null
        codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
    fi
    case "${codename}" in
        bookworm | trixie | forky) ;;
        *) warn "this is '${codename:-unknown}', not Raspberry Pi OS Bookworm or later; continuing, but apt package names may differ" ;;
    esac
    local model=""
    if [[ -r /proc/device-tree/model ]]; then
        model="$(tr -d '\0' </proc/device-tree/model)"
    fi
    if [[ "${model}" != Raspberry* ]]; then
        warn "not a Raspberry Pi (${model:-no device-tree model}); GPIO and the Pi camera will not work here"
    else
        say "board: ${model}"
    fi
}

install_packages() {
    say "apt packages: ${APT_PACKAGES[*]}"
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
}

create_user() {
    local g
    for g in "${DEVICE_GROUPS[@]}"; do
        # Raspberry Pi OS has these groups; plain Debian may lack gpio or i2c,
        # and the unit's SupplementaryGroups= fails to start without them.
        if ! getent group "${g}" >/dev/null; then
            run groupadd --system "${g}"
        fi
    done
    if ! id -u "${SERVICE_USER}" >/dev/null 2>&1; then
        say "system user ${SERVICE_USER}"
        run useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "WallHinge station" "${SERVICE_USER}"
    fi
    # The unit adds the groups itself; membership also lets an admin run
    # "sudo -u wallhinge ..." by hand with the same device access.
    local groups_csv
    groups_csv="$(IFS=,; printf '%s' "${DEVICE_GROUPS[*]}")"
    run usermod --append --groups "${groups_csv}" "${SERVICE_USER}"
}

install_program() {
    [[ -f "${SRC_DIR}/pyproject.toml" ]] || die "${SRC_DIR} is not a WallHinge checkout (no pyproject.toml); pass --src"
    say "program in ${APP_DIR}"
    run install -d -m 0755 "${APP_DIR}"
    if [[ ! -x "${VENV}/bin/python" ]]; then
        run python3 -m venv --system-site-packages "${VENV}"
    fi
    run "${VENV}/bin/python" -m pip install --disable-pip-version-check "${PIP_PACKAGES[@]}"
    if [[ -f "${CONF}" ]] && grep -Eq '^[[:space:]]*kind[[:space:]]*=[[:space:]]*"vl53l1x"' "${CONF}"; then
        say "${CONF} uses the time-of-flight sensor (kind = \"vl53l1x\")"
        TOF=1
    fi
    if [[ ${TOF} -eq 1 ]]; then
        run "${VENV}/bin/python" -m pip install --disable-pip-version-check "${TOF_PIP_PACKAGES[@]}"
    fi
    # --no-deps: numpy, OpenCV and gpiozero are the apt ones the venv sees.
    run "${VENV}/bin/python" -m pip install --disable-pip-version-check --no-deps --force-reinstall "${SRC_DIR}"
    if [[ -f "${SRC_DIR}/README.md" ]]; then
        run install -m 0644 "${SRC_DIR}/README.md" "${APP_DIR}/README.md"
    fi
    # `wallhinge selftest`, `wallhinge export ...` for the admin: the venv's console script.
    run install -d -m 0755 "$(dirname "${COMMAND}")"
    run ln -sfn "${VENV}/bin/wallhinge" "${COMMAND}"
    # Fail now, not at the wall, if a pip numpy crept in or an import breaks.
    run "${VENV}/bin/python" -c 'import numpy, cv2, device
assert numpy.__file__.startswith("/usr/lib/python3/dist-packages/"), "pip numpy shadows the apt one: " + numpy.__file__
print("numpy", numpy.__version__, "opencv", cv2.__version__, "from apt")'
}

install_config() {
    run install -d -m 0755 "${CONF_DIR}"
    if [[ -e "${CONF}" ]]; then
        say "keeping existing ${CONF}"
        return
    fi
    if [[ -f "${SRC_DIR}/wallhinge.example.toml" ]]; then
        run install -m 0644 "${SRC_DIR}/wallhinge.example.toml" "${CONF}"
    else
        run write_default_config "${CONF}"
    fi
}

write_default_config() {
    printf '%s\n' '# WallHinge station config. Every key has a default; see the project README.' \
        '[station]' 'place = "home"' >"$1"
    chmod 0644 "$1"
}

hardware_hints() {
    if [[ ${TOF} -eq 1 ]]; then
        if [[ -e /dev/i2c-1 ]]; then
            say "I2C is on (/dev/i2c-1)"
        elif command -v raspi-config >/dev/null 2>&1; then
            # do_i2c 0 means "enable" in raspi-config's nonint convention.
            run raspi-config nonint do_i2c 0
        else
            warn "raspi-config not found; add dtparam=i2c_arm=on to /boot/firmware/config.txt and reboot"
        fi
    elif [[ ! -e /dev/i2c-1 ]]; then
        say "hint: I2C is off; a VL53L1X/VL53L0X hip sensor needs it: sudo $0 --tof"
    fi
    local boot_cfg="/boot/firmware/config.txt"
    if [[ -r "${boot_cfg}" ]] && grep -q '^camera_auto_detect=0' "${boot_cfg}"; then
        warn "${boot_cfg} has camera_auto_detect=0: set it to 1 (or add the camera's dtoverlay) and reboot"
    fi
    say "hint: check the camera with: rpicam-hello --list-cameras"
}

install_service() {
    say "systemd service ${UNIT_NAME}"
    run install -d -m 0755 "${UNIT_DIR}"
    run install -m 0644 "${SRC_DIR}/systemd/${UNIT_NAME}" "${UNIT_DIR}/${UNIT_NAME}"
    if [[ -n "${ROOT}" ]]; then
        say "WALLHINGE_ROOT is set: not talking to the running systemd"
        return
    fi
    run systemctl daemon-reload
    run systemctl enable "${UNIT_NAME}"
    if [[ ${START} -eq 1 ]]; then
        # restart, not start: a re-run after an upgrade must load the new code.
        run systemctl restart "${UNIT_NAME}"
        say "running; follow it with: journalctl -u ${UNIT_NAME} -f"
    fi
}

# A local broker for one station: mosquitto on 127.0.0.1 with a password file,
# the station's password in /etc/wallhinge (readable by the service only), and
# the unit drop-in that opens loopback networking for the station.
install_local_mqtt() {
    local mosq_conf="${ROOT}/etc/mosquitto/conf.d/wallhinge.conf"
    local mosq_pw="${ROOT}/etc/mosquitto/wallhinge.passwd"
    local station_pw="${CONF_DIR}/mqtt.password"
    local dropin_dir="${UNIT_DIR}/${UNIT_NAME}.d"
    say "local MQTT broker (mosquitto on 127.0.0.1:1883, password required)"
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mosquitto mosquitto-clients
    run install -d -m 0755 "${ROOT}/etc/mosquitto/conf.d"
    run install -m 0644 "${SRC_DIR}/systemd/mosquitto-wallhinge.conf" "${mosq_conf}"
    if [[ ! -e "${station_pw}" ]]; then
        if [[ ${DRY_RUN} -eq 0 ]]; then
            (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"${station_pw}")
        else
            printf '+ (a random password into %s)\n' "${station_pw}"
        fi
        run chown "root:${SERVICE_USER}" "${station_pw}"
        run chmod 0640 "${station_pw}"
    fi
    if [[ ${DRY_RUN} -eq 0 ]]; then
        mosquitto_passwd -b -c "${mosq_pw}" "${SERVICE_USER}" "$(cat "${station_pw}")"
    else
        printf '+ mosquitto_passwd -b -c %s %s (the password from %s)\n' "${mosq_pw}" "${SERVICE_USER}" "${station_pw}"
    fi
    run chown root:mosquitto "${mosq_pw}"
    run chmod 0640 "${mosq_pw}"
    run install -d -m 0755 "${dropin_dir}"
    run install -m 0644 "${SRC_DIR}/systemd/wallhinge-mqtt.conf" "${dropin_dir}/mqtt.conf"
    if [[ -z "${ROOT}" ]]; then
        run systemctl enable mosquitto
        run systemctl restart mosquitto
    fi
    say "add to ${CONF} (the station's password is in ${station_pw}):"
    printf '    [mqtt]\n    url = "mqtt://127.0.0.1:1883"\n    username = "%s"\n    password_file = "%s"\n' \
        "${SERVICE_USER}" "${station_pw#"${ROOT}"}"
}

# The clinic dashboard (issue 12): its own unit. There is no default password:
# the clinician's account is made here, and the dashboard is enabled only once
# an account exists.
readonly DASH_UNIT="wallhinge-dashboard.service"
install_dashboard() {
    say "dashboard service ${DASH_UNIT}"
    run install -m 0644 "${SRC_DIR}/systemd/${DASH_UNIT}" "${UNIT_DIR}/${DASH_UNIT}"
    if [[ -n "${ROOT}" ]]; then
        return
    fi
    run install -d -m 0700 -o "${SERVICE_USER}" -g "${SERVICE_USER}" "${STATE_DIR}"
    local py=(runuser -u "${SERVICE_USER}" -- "${VENV}/bin/python" -m device --config "${CONF}")
    if [[ ${DRY_RUN} -eq 0 ]] && [[ -z "$("${py[@]}" user list 2>/dev/null)" ]]; then
        if [[ ! -t 0 ]]; then
            say "next: create the clinician's dashboard account, then start the dashboard:"
            say "  sudo ${py[*]} user add NAME && sudo systemctl enable --now ${DASH_UNIT}"
            return
        fi
        local name
        read -r -p "Dashboard account for the clinician, user name: " name
        run "${py[@]}" user add "${name}"
    fi
    run systemctl daemon-reload
    run systemctl enable "${DASH_UNIT}"
    if [[ ${START} -eq 1 ]]; then
        run systemctl restart "${DASH_UNIT}"
        say "dashboard on http://127.0.0.1:8080/ ([dashboard] host and port in ${CONF})"
    fi
}

uninstall() {
    say "removing WallHinge"
    if [[ -z "${ROOT}" ]] && command -v systemctl >/dev/null 2>&1; then
        run systemctl disable --now "${UNIT_NAME}" || true
        run systemctl disable --now "${DASH_UNIT}" || true
    fi
    run rm -f "${UNIT_DIR}/${UNIT_NAME}"
    run rm -rf "${UNIT_DIR}/${UNIT_NAME}.d"
    run rm -f "${UNIT_DIR}/${DASH_UNIT}"
    if [[ -z "${ROOT}" ]] && command -v systemctl >/dev/null 2>&1; then
        run systemctl daemon-reload
    fi
    run rm -rf "${APP_DIR}"
    if [[ -L "${COMMAND}" ]] || [[ ${DRY_RUN} -eq 1 ]]; then
        run rm -f "${COMMAND}"
    fi
    if [[ ${PURGE} -eq 1 ]]; then
        run rm -rf "${CONF_DIR}" "${STATE_DIR}"
        if id -u "${SERVICE_USER}" >/dev/null 2>&1; then
            run userdel "${SERVICE_USER}"
        fi
        say "purged the config, the session log and the user ${SERVICE_USER}"
    else
        say "kept ${CONF_DIR} and the session log in ${STATE_DIR}; --uninstall --purge deletes them"
    fi
}

main() {
    parse_args "$@"
    if [[ ${DRY_RUN} -eq 1 ]]; then
        say "dry run: printing commands, changing nothing"
    fi
    preflight "$@"
    if [[ ${UNINSTALL} -eq 1 ]]; then
        uninstall
        return
    fi
    install_packages
    create_user
    install_program
    install_config
    hardware_hints
    if [[ ${MQTT_LOCAL} -eq 1 ]]; then
        install_local_mqtt
    fi
    install_service
    install_dashboard
    say "done"
}

main "$@"
