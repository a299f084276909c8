/*
 * docx tests: a package zipped and read back is the same parts in the
 * same order; a Word template's tags split across runs are joined into
 * the first run, a paragraph of one section tag becomes the bare tag, and
 * a tag or section that does not close in its paragraph is refused with
 * the paragraph's number and text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "docx.h"
#include "util.h"

static void
test_docx_zip_roundtrip(void **state)
{
	struct docx_pkg	 p = { 0 }, q = { 0 };
	struct buf	 b;
	struct derr	 err = { 0 };
	char		 big[100000];

	(void)state;
	memset(big, 'x', sizeof(big));
	docx_pkg_add(&p, "[Content_Types].xml", "<Types/>", 8);
	docx_pkg_add(&p, "证据材料/八-二/纪要.pdf", big, sizeof(big));
	docx_pkg_add(&p, "empty", "", 0);
	assert_int_equal(docx_pkg_zip(&p, 1764547200, &b, &err), 0);
	assert_int_equal(docx_pkg_read(b.data, b.len, &q, &err), 0);
	assert_int_equal(q.n, 3);
	assert_string_equal(q.v[0].name, "[Content_Types].xml");
	assert_string_equal(q.v[0].data, "<Types/>");
	assert_string_equal(q.v[1].name, "证据材料/八-二/纪要.pdf");
	assert_int_equal(q.v[1].len, sizeof(big));
	assert_memory_equal(q.v[1].data, big, sizeof(big));
	assert_int_equal(q.v[2].len, 0);
	assert_non_null(docx_pkg_get(&q, "empty"));
	assert_null(docx_pkg_get(&q, "word/document.xml"));
	buf_clear(&b);
	docx_pkg_clear(&p);
	docx_pkg_clear(&q);
	docx_pkg_clear(&q);
}

static void
test_docx_read_refuses_non_zip(void **state)
{
	struct docx_pkg	 q = { 0 };
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(docx_pkg_read("PK not really", 13, &q, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_non_null(strstr(err.msg, "not a zip package"));
	assert_int_equal(q.n, 0);
}

/* Prepare `body` as the body of a document; `out` gets the new body. */
static int
prepare(const char *body, struct buf *out, struct derr *err)
{
	struct buf	 doc;
	char		*a, *b;
	int		 r;

	buf_init(&doc, 0);
	buf_printf(&doc, NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\" "
	    "standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas."
	    "openxmlformats.org/wordprocessingml/2006/main\"><w:body>%s"
	    "</w:body></w:document>", body);
	r = docx_template_prepare("word/document.xml", doc.data, doc.len,
	    out, err);
	buf_clear(&doc);
	if (r < 0)
		return r;
	assert_non_null(a = strstr(out->data, "<w:body>"));
	assert_non_null(b = strstr(out->data, "</w:body>"));
	*b = '\0';
	memmove(out->data, a + 8, (size_t)(b - a - 8) + 1);
	out->len = (size_t)(b - a - 8);
	return 0;
}

static void
test_docx_prepare_joins_split_tags(void **state)
{
	struct buf	 out;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(prepare("<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>截至{"
	    "</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:t "
	    "xml:space=\"preserve\">{as_</w:t></w:r><w:r><w:t>of}}，"
	    "</w:t></w:r><w:r><w:tab/><w:t>{{{raw}</w:t></w:r><w:r><w:t>}}"
	    "</w:t></w:r></w:p>", &out, &err), 0);
	assert_string_equal(out.data, "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t "
	    "xml:space=\"preserve\">截至{{as_of}}</w:t></w:r><w:proofErr "
	    "w:type=\"spellStart\"/><w:r><w:t xml:space=\"preserve\"/></w:r>"
	    "<w:r><w:t xml:space=\"preserve\">，</w:t></w:r><w:r><w:tab/>"
	    "<w:t xml:space=\"preserve\">{{{raw}}}</w:t></w:r><w:r><w:t "
	    "xml:space=\"preserve\"/></w:r></w:p>");
	buf_clear(&out);
}

static void
test_docx_prepare_section_paragraphs(void **state)
{
	struct buf	 out;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(prepare("<w:p><w:pPr/><w:r><w:t>{{#</w:t>"
	    "</w:r><w:r><w:t>problems}} </w:t></w:r></w:p><w:p><w:r><w:t>"
	    "{{title}}{{#done}}（已完成）{{/done}}</w:t></w:r></w:p><w:p>"
	    "<w:r><w:t>{{/problems}}</w:t></w:r></w:p>", &out,
	    &err), 0);
	assert_string_equal(out.data, "{{#problems}}<w:p><w:r><w:t xml:space="
	    "\"preserve\">{{title}}{{#done}}（已完成）{{/done}}</w:t></w:r>"
	    "</w:p>{{/problems}}");
	buf_clear(&out);
}

static void
test_docx_prepare_refuses_broken_tags(void **state)
{
	struct buf	 out;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(prepare("<w:p><w:r><w:t>一</w:t></w:r></w:p><w:p>"
	    "<w:r><w:t>截至{{as_of</w:t></w:r></w:p><w:p><w:r><w:t>}}"
	    "</w:t></w:r></w:p>", &out, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, "word/document.xml: paragraph 2 "
	    "(\"截至{{as_of\"): \"{{\" without its \"}}\" in the same "
	    "paragraph");
	assert_int_equal(prepare("<w:p><w:r><w:t>{{#done}}（已完成）</w:t>"
	    "</w:r></w:p>", &out, &err), -1);
	assert_non_null(strstr(err.msg, "paragraph 1 (\"{{#done}}（已完成）\"): "
	    "a section tag shares its paragraph"));
	assert_int_equal(prepare("<w:p><w:r><w:t>{{#a}}{{#b}}x{{/b}}</w:t>"
	    "</w:r></w:p>", &out, &err), -1);
	assert_non_null(strstr(err.msg, "does not close in this paragraph "));
	assert_non_null(strstr(err.msg, "): a"));
	assert_int_equal(prepare("<w:p><w:r><w:t>x{{/a}}{{b}}</w:t></w:r>"
	    "</w:p>", &out, &err), -1);
	assert_non_null(strstr(err.msg, "does not open in this paragraph: a"));
	assert_int_equal(prepare("<w:p><w:r><w:t>x</w:t></w:r>", &out, &err),
	    -1);
	assert_non_null(strstr(err.msg, "word/document.xml: not well-formed "
	    "XML: line 2, column "));
}

/*
 * A part that is not well-formed is refused at its first error: libxml2
 * goes on and raises more further down (here an unknown entity on line
 * 3, then the unclosed elements at the end), and its last is not where
 * the template is broken.
 */
static void
test_docx_prepare_reports_first_xml_error(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?>\n"
	    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
	    "wordprocessingml/2006/main\"><w:body>\n"
	    "<w:p><w:r><w:t>A&nbsp;B</w:t></w:r></w:p>\n"
	    "<w:p><w:r><w:t>x</w:r></w:p>\n"
	    "\n\n<w:p>\n";
	struct buf	 out;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(docx_template_prepare("word/document.xml", xml,
	    sizeof(xml) - 1, &out, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, "word/document.xml: not well-formed XML: "
	    "line 3, column 23: an entity XML does not know (write & as "
	    "&amp;) (libxml2: Entity 'nbsp' not defined)");
	buf_clear(&out);
	assert_int_equal(docx_template_prepare("word/styles.xml", "<a>", 3,
	    &out, &err), -1);
	assert_non_null(strstr(err.msg, "word/styles.xml: not well-formed XML: "
	    "line 1, column "));
	buf_clear(&out);
}

/* Section paragraphs pair up across the document. */
static void
test_docx_prepare_pairs_section_paragraphs(void **state)
{
	struct buf	 out;
	struct derr	 err = { 0 };

	(void)state;
	assert_int_equal(prepare("<w:p><w:r><w:t>{{#a}}</w:t></w:r></w:p>"
	    "<w:p><w:r><w:t>{{#b}}</w:t></w:r></w:p><w:p><w:r><w:t>{{/b}}"
	    "</w:t></w:r></w:p>", &out, &err), -1);
	assert_string_equal(err.msg, "word/document.xml: paragraph 1: section "
	    "\"a\" opens here and never closes");
	assert_int_equal(prepare("<w:p><w:r><w:t>{{#a}}</w:t></w:r></w:p>"
	    "<w:p><w:r><w:t>{{/b}}</w:t></w:r></w:p>", &out, &err), -1);
	assert_string_equal(err.msg, "word/document.xml: paragraph 2 "
	    "(\"{{/b}}\"): this closes another section than the one open: b");
	assert_int_equal(prepare("<w:p><w:r><w:t>{{/b}}</w:t></w:r></w:p>",
	    &out, &err), -1);
	assert_non_null(strstr(err.msg, "was never opened: b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docx_zip_roundtrip),
		cmocka_unit_test(test_docx_read_refuses_non_zip),
		cmocka_unit_test(test_docx_prepare_joins_split_tags),
		cmocka_unit_test(test_docx_prepare_section_paragraphs),
		cmocka_unit_test(test_docx_prepare_refuses_broken_tags),
		cmocka_unit_test(test_docx_prepare_pairs_section_paragraphs),
		cmocka_unit_test(test_docx_prepare_reports_first_xml_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
