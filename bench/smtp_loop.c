/*
 * smtp_loop: the bare libcurl reference for `make bench`.  Sends the
 * message in FILE (an RFC 5322 message with CRLF line ends) COUNT times
 * to URL with one reused easy handle (so one connection), each time to
 * a different recipient, as dutyd does, and prints the wall time of the
 * loop and the rate:
 *
 *	smtp_loop smtp://127.0.0.1:PORT FILE COUNT
 *	-> "10000 messages in 1.012 s: 9881 msg/s"
 *
 * No dutyd code: this is what a program that does nothing but send costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct upload	*up = ud;
	size_t		 n = up->len - up->off;

	if (n > size * nmemb)
		n = size * nmemb;
	memcpy(ptr, up->data + up->off, n);
	up->off += n;
	return n;
}

static size_t
sink_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*data;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	data = malloc((size_t)n + 1);
	if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return data;
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct upload		 up;
	struct curl_slist	*to;
	CURL			*c;
	CURLcode		 rc;
	char			 rcpt[64];
	double			 t0, t;
	long			 i, count;
	size_t			 len;
	char			*data;

	if (argc != 4 || (count = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: smtp_loop URL FILE COUNT\n");
		return 2;
	}
	data = slurp(argv[2], &len);
	curl_global_init(CURL_GLOBAL_ALL);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, "duty@example.org");
	t0 = mono();
	for (i = 0; i < count; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%ld@example.org", i);
		to = curl_slist_append(NULL, rcpt);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
		up.data = data;
		up.len = len;
		up.off = 0;
		rc = curl_easy_perform(c);
		curl_slist_free_all(to);
		if (rc != CURLE_OK) {
			fprintf(stderr, "smtp_loop: message %ld: %s\n", i,
			    curl_easy_strerror(rc));
			return 1;
		}
	}
	t = mono() - t0;
	printf("%ld messages in %.3f s: %.0f msg/s\n", count, t,
	    (double)count / t);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(data);
	return 0;
}
