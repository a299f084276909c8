/*
 * fuzz_imap: libFuzzer target for the IMAP answers dutyd reads through
 * libetpan (net_imap.c).  The input is everything a server says; a thread
 * sends it on a loopback socket whatever dutyd asks, then closes.  dutyd
 * opens the session (greeting, LOGIN, ID, EXAMINE), lists the new
 * messages (UID FETCH n:* (UID RFC822.SIZE)) and fetches each one, as a
 * poll does.  Built and run by `make fuzz`; `make fuzz-replay` replays
 * tests/fuzz/corpus/imap.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct job {
	int		 lfd;
	const uint8_t	*data;
	size_t		 size;
};

static void *
serve(void *arg)
{
	struct job	*j = arg;
	struct pollfd	 pfd;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;
	char		 sink[4096];

	if ((fd = accept(j->lfd, NULL, NULL)) == -1)
		return NULL;
	while (off < j->size &&
	    (n = write(fd, j->data + off, j->size - off)) > 0)
		off += (size_t)n;
	/* Read what dutyd sends until it hangs up or pauses: closing with
	 * its commands unread would reset the connection, and the FETCH it
	 * sends ahead would fail before its answer is read. */
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 50) == 1 && read(fd, sink, sizeof(sink)) > 0)
		;
	close(fd);
	return NULL;
}

static int
listener(int *port)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	struct sigaction	 ign;
	int			 fd;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);		/* the client may hang up */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		abort();
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
poll_once(const char *url)
{
	const struct net_imap_ops	*ops = &net_imap_etpan_ops;
	struct net_imap_opts		 o;
	struct net_imap_box		 box;
	struct net_imap_list		 l = { 0 };
	struct net_imap			*s;
	struct derr			 err = { 0 };
	struct buf			 b;
	size_t				 i;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.username = "feedback";
	o.password = "pw";
	o.connect_timeout = 1;
	o.timeout = 1;
	o.max_size = 1024 * 1024;
	if ((s = ops->imap_open(&o, &box, &err)) == NULL)
		return;
	if (ops->imap_list(s, 0, 1000, &l, &err) == 0) {
		buf_init(&b, 0);
		for (i = 0; i < l.n; i++) {
			buf_reset(&b);
			(void)ops->imap_fetch(s, l.v[i].uid,
			    l.v[i].size > (int64_t)o.max_size, &b, &err);
		}
		buf_clear(&b);
	}
	net_imap_list_clear(&l);
	ops->imap_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 lfd = -1, port;
	static char	 url[64];
	struct job	 j;
	pthread_t	 t;

	if (lfd == -1) {
		lfd = listener(&port);
		snprintf(url, sizeof(url), "imap://127.0.0.1:%d/INBOX", port);
	}
	j.lfd = lfd;
	j.data = data;
	j.size = size;
	if (pthread_create(&t, NULL, serve, &j) != 0)
		abort();
	poll_once(url);
	pthread_join(t, NULL);
	return 0;
}
