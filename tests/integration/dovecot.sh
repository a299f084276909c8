# Start a private dovecot on 127.0.0.1 (sourced after lib.sh).
#   start_dovecot DIR PORT [IMAPS_PORT CERT KEY]
# One passwd-file user "feedback" with password "secret-pw"; mail in
# DIR/home/Maildir; the log (with every ID command) in DIR/dovecot.log.
# Sets DOVECOT_PID and DOVECOT_CONF.
start_dovecot() {
	dd=$1; port=$2; sport=${3:-0}; cert=${4:-}; key=${5:-}
	mkdir -p "$dd/base" "$dd/state" "$dd/home/Maildir/new" \
	    "$dd/home/Maildir/cur" "$dd/home/Maildir/tmp"
	me=$(id -un); grp=$(id -gn)
	# As root, dovecot wants its own unprivileged users for the login
	# and internal processes (chrooted, so $T's mode 700 is no bar).
	if [ "$(id -u)" = 0 ]; then
		login_user=dovenull; internal=dovecot; chroot=login
		internal_group=dovecot
		# Mail may not be read as root: the user dovecot owns it.
		muid=$(id -u dovecot); mgid=$(id -g dovecot)
		chmod 711 "$T" "$dd"
		chown -R dovecot:dovecot "$dd/home"
	else
		login_user=$me; internal=$me; chroot=; internal_group=$grp
		muid=$(id -u); mgid=$(id -g)
	fi
	echo "feedback:{PLAIN}secret-pw" > "$dd/passwd"
	if [ -n "$cert" ]; then
		ssl="ssl = yes
ssl_cert = <$cert
ssl_key = <$key"
	else
		ssl="ssl = no"
	fi
	cat > "$dd/dovecot.conf" <<CONF
base_dir = $dd/base
state_dir = $dd/state
instance_name = dutyd-test-$$
listen = 127.0.0.1
protocols = imap
log_path = $dd/dovecot.log
info_log_path = $dd/dovecot.log
imap_id_log = *
auth_verbose = yes
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = $login_user
default_internal_user = $internal
default_internal_group = $internal_group
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:$dd/home/Maildir
mail_fsync = never
$ssl
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dd/passwd
}
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$dd/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $sport
  }
  chroot = $chroot
}
service auth {
  user = $me
}
service auth-worker {
  user = $me
}
service stats {
  user = $me
}
CONF
	DOVECOT_CONF="$dd/dovecot.conf"
	/usr/sbin/dovecot -F -c "$DOVECOT_CONF" >"$dd/stdout" 2>&1 &
	DOVECOT_PID=$!
	PIDS="$PIDS $DOVECOT_PID"
	i=0
	while ! $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 100 ] || { echo "dovecot did not start:"; cat "$dd/stdout" "$dd/dovecot.log" 2>/dev/null | tail -20; }
}

# put_mail DIR FILE NAME: deliver FILE into the test Maildir as NAME.
put_mail() {
	cp "$2" "$1/home/Maildir/new/$3"
	chmod 644 "$1/home/Maildir/new/$3"
}
