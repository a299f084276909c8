/*
 * render: a small Mustache for mail, SMS and digest templates.
 *
 * Callers build a value tree (struct rval) and render a template against it
 * into a size-capped struct buf.  Supported: variables with dotted names and
 * context-stack lookup, escaped ({{x}}) and raw ({{{x}}}, {{&x}}), sections
 * over lists, maps and truthy values, inverted sections, comments, set
 * delimiters, partials (with standalone-line indentation), standalone-line
 * whitespace rules and the implicit iterator {{.}}.  Lambdas are not
 * supported.  Hostile templates fail with DERR_INPUT; nesting, partial
 * recursion and total work are capped.
 *
 * This module must not log, must not know any template by name, and reads
 * the disk only in render_file(), inside the directory it is given.
 */
#ifndef DUTYD_RENDER_H
#define DUTYD_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

/* Deepest section nesting in one template, and deepest partial nesting. */
#define RENDER_NEST_MAX		100
#define RENDER_PARTIAL_MAX	50
/* Largest template file render_file() reads, partials included. */
#define RENDER_FILE_MAX		(256 * 1024)

enum rval_type {
	RVAL_NULL,
	RVAL_BOOL,
	RVAL_INT,
	RVAL_DOUBLE,
	RVAL_STR,
	RVAL_MAP,
	RVAL_LIST
};

/* A value in a render context: opaque, built with the functions below. */
struct rval;

/*
 * Constructors: each returns a new value the caller frees with rval_free()
 * (or hands to a map or list with a _take function).  rval_str_new() copies
 * `s`; a NULL `s` makes a null value.
 */
struct rval	*rval_null_new(void);
struct rval	*rval_bool_new(bool);
struct rval	*rval_int_new(int64_t);
struct rval	*rval_double_new(double);
struct rval	*rval_str_new(const char *s);
struct rval	*rval_map_new(void);
struct rval	*rval_list_new(void);

/* Free a value and everything it owns; NULL is a no-op. */
void		 rval_free(struct rval *);

/* The value's type. */
enum rval_type	 rval_type(const struct rval *);

/*
 * Set `key` in `map` to `child`, taking ownership of `child` and replacing
 * (and freeing) any previous value of `key`.  Keys keep insertion order;
 * lookup is linear, meant for maps of a few dozen keys.  If `map` is not a
 * map, `child` is freed and nothing else happens.
 */
void		 rval_map_take(struct rval *map, const char *key,
		    struct rval *child);
/* Shorthands for rval_map_take(map, key, rval_X_new(v)). */
void		 rval_map_set_str(struct rval *map, const char *key,
		    const char *s);
void		 rval_map_set_int(struct rval *map, const char *key, int64_t);
void		 rval_map_set_double(struct rval *map, const char *key,
		    double);
void		 rval_map_set_bool(struct rval *map, const char *key, bool);
/*
 * Set `key` to a new empty list (or map) and return it; the returned value
 * is owned by `map` and valid until `map` is freed or `key` is replaced.
 * Returns NULL only if `map` is not a map.
 */
struct rval	*rval_map_set_list(struct rval *map, const char *key);
struct rval	*rval_map_set_map(struct rval *map, const char *key);

/*
 * Append `child` to `list`, taking ownership.  If `list` is not a list,
 * `child` is freed.
 */
void		 rval_list_take(struct rval *list, struct rval *child);
/* Append a new empty map, owned by `list`; NULL if `list` is no list. */
struct rval	*rval_list_add_map(struct rval *list);
void		 rval_list_add_str(struct rval *list, const char *s);
void		 rval_list_add_int(struct rval *list, int64_t);

/*
 * Truthiness in sections: missing, null, false, 0, 0.0, "" and the empty
 * list are false; everything else (any map) is true.  A list section
 * repeats once per item; any other true value is pushed once.
 */
bool		 rval_truthy(const struct rval *);

enum render_escape {
	RENDER_HTML,	/* {{x}} escapes & < > " '; {{{x}}}, {{&x}} do not */
	RENDER_NONE,	/* plain text (mail, subjects, SMS): never escape */
	RENDER_JSON	/* {{x}} escaped for the inside of a JSON string
			 * (" \ and control characters); {{{x}}} is not */
};

/* A named partial for render_string(). */
struct render_partial {
	const char	*name;
	const char	*text;
};

struct render_partials {
	const struct render_partial	*v;
	size_t				 n;
};

/*
 * Render the NUL-terminated template `tmpl` against `ctx` (may be NULL: an
 * empty context) and append the result to `out`, whose maximum caps the
 * output.  `partials` (may be NULL) supplies {{> name}}; a partial not
 * listed renders as nothing, as the Mustache spec says.  Ints print as
 * integers, doubles in their shortest round-tripping form, booleans as
 * "true"/"false"; maps and lists interpolate as nothing.
 *
 * Returns 0, or -1 with DERR_INPUT for a template error ("template:3:
 * unclosed section \"items\""), the output limit, or a template too deep or
 * too expensive to render.  On error `out` is left as it was.
 */
int	render_string(const char *tmpl, const struct rval *ctx,
	    const struct render_partials *partials, enum render_escape,
	    struct buf *out, struct derr *);

/*
 * Like render_string(), but read the template from `dir`/`name` (at most
 * RENDER_FILE_MAX bytes).  {{> foot}} loads `dir`/foot plus the extension of
 * `name` (e.g. "foot.html" for "reminder.html"); unlike render_string(), a
 * missing partial file is an error.  Template and partial names must be
 * non-empty and contain neither '/' nor "..".
 *
 * Returns 0, or -1 with DERR_INPUT naming the file and line
 * ("reminder.html:12: unclosed section \"items\"", "reminder.html:3: partial
 * \"foot\": ...") or DERR_SYS if the main template cannot be read.  On error
 * `out` is left as it was.
 */
int	render_file(const char *dir, const char *name, const struct rval *ctx,
	    enum render_escape, struct buf *out, struct derr *);

#endif
