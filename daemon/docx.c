#include "docx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

void
docx_pkg_clear(struct docx_pkg *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].data);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void
docx_pkg_add(struct docx_pkg *p, const char *name, const void *data,
    size_t len)
{
	struct docx_part	*d;

	p->v = xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	d = &p->v[p->n++];
	d->name = xstrdup(name);
	d->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(d->data, data, len);
	d->data[len] = '\0';	/* XML parts are used as strings */
	d->len = len;
}

struct docx_part *
docx_pkg_get(struct docx_pkg *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

/* Part `i` of `za` into `p`; 0 or -1. */
static int
read_part(zip_t *za, zip_uint64_t i, size_t *total, struct docx_pkg *p,
    struct derr *err)
{
	zip_stat_t	 sb;
	zip_file_t	*zf;
	char		*data;
	zip_int64_t	 n;

	if (zip_stat_index(za, i, 0, &sb) < 0 ||
	    (sb.valid & (ZIP_STAT_NAME | ZIP_STAT_SIZE)) !=
	    (ZIP_STAT_NAME | ZIP_STAT_SIZE))
		return derr_set(err, DERR_INPUT, false, "part %llu: %s",
		    (unsigned long long)i, zip_strerror(za));
	if (sb.size > DOCX_PART_MAX || *total + sb.size > DOCX_PKG_MAX)
		return derr_set(err, DERR_INPUT, false, "%s: larger than %d "
		    "bytes", sb.name, sb.size > DOCX_PART_MAX ?
		    DOCX_PART_MAX : DOCX_PKG_MAX);
	if ((zf = zip_fopen_index(za, i, 0)) == NULL)
		return derr_set(err, DERR_INPUT, false, "%s: %s", sb.name,
		    zip_strerror(za));
	data = xmalloc(sb.size + 1);
	n = zip_fread(zf, data, sb.size);
	zip_fclose(zf);
	if (n < 0 || (zip_uint64_t)n != sb.size) {
		free(data);
		return derr_set(err, DERR_INPUT, false, "%s: damaged",
		    sb.name);
	}
	docx_pkg_add(p, sb.name, data, sb.size);
	free(data);
	*total += sb.size;
	return 0;
}

int
docx_pkg_read(const void *data, size_t len, struct docx_pkg *out,
    struct derr *err)
{
	struct docx_pkg	 p = { 0 };
	zip_error_t	 ze;
	zip_source_t	*src;
	zip_t		*za;
	zip_int64_t	 n, i;
	size_t		 total = 0;
	int		 r = 0;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL ||
	    (za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		r = derr_set(err, DERR_INPUT, false, "not a zip package "
		    "(.docx): %s", zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return r;
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(za, 0);
	for (i = 0; r == 0 && i < n; i++)
		r = read_part(za, (zip_uint64_t)i, &total, &p, err);
	zip_discard(za);	/* also frees src */
	if (r < 0) {
		docx_pkg_clear(&p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Add every part of `pkg` to `za`; 0 or -1. */
static int
add_parts(zip_t *za, const struct docx_pkg *pkg, int64_t mtime,
    struct derr *err)
{
	zip_source_t	*s;
	zip_int64_t	 idx;
	size_t		 i;

	for (i = 0; i < pkg->n; i++) {
		if ((s = zip_source_buffer(za, pkg->v[i].data, pkg->v[i].len,
		    0)) == NULL)
			return derr_set(err, DERR_SYS, false, "zip: %s",
			    zip_strerror(za));
		if ((idx = zip_file_add(za, pkg->v[i].name, s,
		    ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(s);
			return derr_set(err, DERR_SYS, false, "zip: %s: %s",
			    pkg->v[i].name, zip_strerror(za));
		}
		/* Unzipped on Unix, each file is its owner's alone. */
		if (zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)mtime,
		    0) < 0 || zip_file_set_external_attributes(za,
		    (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
		    (zip_uint32_t)0100600 << 16) < 0)
			return derr_set(err, DERR_SYS, false, "zip: %s",
			    zip_strerror(za));
	}
	return 0;
}

/* The bytes of the finished in-memory zip `src` into `out`; 0 or -1. */
static int
source_bytes(zip_source_t *src, struct buf *out, struct derr *err)
{
	zip_int64_t	 size, n;
	char		 tmp[65536];

	if (zip_source_open(src) < 0)
		return derr_set(err, DERR_SYS, false, "zip: %s",
		    zip_error_strerror(zip_source_error(src)));
	size = 0;
	while ((n = zip_source_read(src, tmp, sizeof(tmp))) > 0) {
		buf_append(out, tmp, (size_t)n, NULL);
		size += n;
	}
	zip_source_close(src);
	if (n < 0)
		return derr_set(err, DERR_SYS, false, "zip: read back after "
		    "%lld bytes", (long long)size);
	return 0;
}

int
docx_pkg_zip(const struct docx_pkg *pkg, int64_t mtime, struct buf *out,
    struct derr *err)
{
	zip_error_t	 ze;
	zip_source_t	*src;
	zip_t		*za;
	int		 r;

	buf_init(out, 0);
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL ||
	    (za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL) {
		r = derr_set(err, DERR_SYS, false, "zip: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return r;
	}
	zip_error_fini(&ze);
	zip_source_keep(src);	/* zip_close must leave us the bytes */
	if ((r = add_parts(za, pkg, mtime, err)) < 0)
		zip_discard(za);
	else if (zip_close(za) < 0) {
		r = derr_set(err, DERR_SYS, false, "zip: %s",
		    zip_strerror(za));
		zip_discard(za);
	}
	if (r == 0)
		r = source_bytes(src, out, err);
	zip_source_free(src);
	if (r < 0)
		buf_clear(out);
	return r;
}
