/*
 * imap_floor HOST PORT USER PASS: the protocol floor for the mailbox
 * benchmark.  One session over a raw socket sends LOGIN, EXAMINE INBOX,
 * UID FETCH 1:* BODY.PEEK[] and LOGOUT at once (pipelined), reads every
 * literal by its byte count and prints how many messages and bytes came.
 * No parsing beyond that, no storing: what any client must at least do.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RBUF	(1024 * 1024)

struct rd {
	int	 fd;
	char	 buf[RBUF];
	size_t	 off, len;
};

static int
fill(struct rd *r)
{
	ssize_t	 n;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len == sizeof(r->buf))
		return -1;
	n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
	if (n <= 0)
		return -1;
	r->len += (size_t)n;
	return 0;
}

/* The next line (without CRLF) into line; -1 at the end. */
static int
getline_r(struct rd *r, char *line, size_t max)
{
	char	*nl;
	size_t	 n;

	while ((nl = memchr(r->buf + r->off, '\n', r->len - r->off)) == NULL)
		if (fill(r) == -1)
			return -1;
	n = (size_t)(nl - (r->buf + r->off)) + 1;
	if (n >= max)
		n = max - 1;
	memcpy(line, r->buf + r->off, n);
	line[n] = '\0';
	r->off = (size_t)(nl - r->buf) + 1;
	return 0;
}

static int
skip(struct rd *r, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (r->off == r->len && fill(r) == -1)
			return -1;
		k = r->len - r->off < n ? r->len - r->off : n;
		r->off += k;
		n -= k;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct rd	 r;
	struct sockaddr_in	 sa;
	char			 line[8192], cmd[1024], *b;
	long			 msgs = 0, bytes = 0, n;

	if (argc != 5)
		return 64;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    (r.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(r.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("connect");
		return 69;
	}
	n = snprintf(cmd, sizeof(cmd), "a LOGIN %s %s\r\nb EXAMINE INBOX\r\n"
	    "c UID FETCH 1:* BODY.PEEK[]\r\nd LOGOUT\r\n", argv[3], argv[4]);
	if (write(r.fd, cmd, (size_t)n) != n)
		return 74;
	while (getline_r(&r, line, sizeof(line)) == 0) {
		if (strncmp(line, "c ", 2) == 0)
			break;
		b = strrchr(line, '{');
		if (b == NULL || line[0] != '*')
			continue;
		n = strtol(b + 1, NULL, 10);
		if (skip(&r, (size_t)n) == -1)
			return 74;
		msgs++;
		bytes += n;
	}
	printf("%ld %ld\n", msgs, bytes);
	close(r.fd);
	return 0;
}
