#!/bin/sh
# mkcert.sh DIR: test certificates for the loopback servers.
#   DIR/ca.pem               a private CA (trust it with smtp.ca_file)
#   DIR/server.{pem,key}     signed by that CA, for 127.0.0.1 and localhost
#   DIR/self.{pem,key}       self-signed, trusted by nobody (its own CA)
# EC keys keep it fast.  Everything is valid for 30 days.
set -eu

dir=${1:?usage: mkcert.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

san="subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=dutyd test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf '%s\n%s\n%s\n' "$san" "basicConstraints=CA:FALSE" \
    "extendedKeyUsage=serverAuth" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -out server.pem -days 30 -extfile server.ext 2>/dev/null

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout self.key -out self.pem -days 30 -subj "/CN=localhost" \
    -addext "$san" 2>/dev/null

rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem self.pem
