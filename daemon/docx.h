/*
 * docx: zip packages in memory (a Word template and the report made from
 * it, the report bundle) on top of libzip, and the preparation of a Word
 * template's word/document.xml with libxml2 for the mustache renderer
 * (with the Excel code in ledger_xlsx*.c, the only module that includes
 * <zip.h> and <libxml/...>): tags that
 * Word or WPS split across runs ({{ in one <w:r>, the name in the next)
 * are joined into the first run, and a paragraph holding nothing but a
 * section tag ({{#problems}}, {{/problems}}) becomes that bare tag, so a
 * section repeats whole paragraphs.  No disk, no clock, no logging: the
 * caller reads and writes the files and gives the time stamp.
 */
#ifndef DUTYD_DOCX_H
#define DUTYD_DOCX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

/* Largest part read from a template, and largest template package. */
#define DOCX_PART_MAX	(16 * 1024 * 1024)
#define DOCX_PKG_MAX	(64 * 1024 * 1024)

/* One file of a package: its name inside the zip and its bytes. */
struct docx_part {
	char	*name;
	char	*data;
	size_t	 len;
};

struct docx_pkg {
	struct docx_part	*v;
	size_t			 n;
};

/* Free every part; a second call is a no-op. */
void	docx_pkg_clear(struct docx_pkg *);

/* Append a part, copying `name` and `data`. */
void	docx_pkg_add(struct docx_pkg *, const char *name, const void *data,
	    size_t len);

/* The part named `name`, or NULL (borrowed). */
struct docx_part *docx_pkg_get(struct docx_pkg *, const char *name);

/*
 * Read the zip in `data` (`len` bytes) into `out` (initialised here), in
 * the order of its central directory.  0, or -1 with DERR_INPUT (not a
 * zip, damaged, a part over DOCX_PART_MAX, the whole over DOCX_PKG_MAX).
 */
int	docx_pkg_read(const void *data, size_t len, struct docx_pkg *out,
	    struct derr *);

/*
 * Zip `pkg` (deflated, names in UTF-8, each part dated `mtime`, Unix
 * seconds, mode 0600 when unzipped on Unix) into `out`, which this
 * initialises (the caller clears it).
 * 0, or -1 with DERR_SYS (libzip's sentence).
 */
int	docx_pkg_zip(const struct docx_pkg *, int64_t mtime, struct buf *out,
	    struct derr *);

/*
 * Prepare word/document.xml (`xml`, `len` bytes; `part` is its name in
 * the package, for messages) for rendering, into `out` (initialised
 * here; the caller clears it): split tags joined, paragraphs of one
 * section tag reduced to the tag.  0, or -1 with DERR_INPUT and a
 * sentence in the user's language: for XML that is not well-formed, the
 * part, the line and column of the first error and what it is; else the
 * paragraph (its number and its text) and what is wrong: a "{{" with no
 * "}}" in the same paragraph, or a section opened in a paragraph with
 * other text and not closed in it.
 */
int	docx_template_prepare(const char *part, const char *xml, size_t len,
	    struct buf *out, struct derr *);

#endif
