/* test_wxml.c: the reader of Wazuh's XML dialect.
 *
 * Small cases pin os_xml's behaviour (content, comments, escapes, attributes,
 * variables and every error with its line); the corpus cases read the real
 * Wazuh ruleset and the seed scenario's files, when they are present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "engine/wxml.h"

/* ---- helpers ---- */

/* Writes the tree as os_xml's own tests do: <name a="v">content children</name>. */
static void dump_node(yg_buf *b, const yg_wxml_node *n)
{
	yg_buf_printf(b, "<%s", n->name);
	for (size_t i = 0; i < n->nattrs; i++)
		yg_buf_printf(b, " %s=\"%s\"", n->attrs[i].name, n->attrs[i].value);
	yg_buf_printf(b, ">%s", n->content);
	for (size_t i = 0; i < n->nchildren; i++)
		dump_node(b, n->children[i]);
	yg_buf_printf(b, "</%s>", n->name);
}

static char *dump(const yg_wxml_doc *doc)
{
	yg_buf b;
	yg_buf_init(&b, 1 << 24);
	yg_buf_puts(&b, "");
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++)
		dump_node(&b, yg_wxml_doc_root(doc, i));
	return yg_buf_steal(&b);
}

static yg_wxml_doc *parse_flags(const char *text, unsigned flags)
{
	yg_diag *d = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	yg_err err = yg_wxml_parse_buffer_ex(text, strlen(text), "t.xml", flags, d, &doc);
	if (err) {
		yg_diag_print(d, stderr);
		fail_msg("parse failed: %s", yg_strerror(err));
	}
	assert_int_equal(yg_diag_count(d), 0);
	yg_diag_destroy(d);
	return doc;
}

/* Parses `text` and compares the dumped tree with `want`. */
static void check_flags(const char *text, unsigned flags, const char *want)
{
	yg_wxml_doc *doc = parse_flags(text, flags);
	char *got = dump(doc);
	assert_string_equal(got, want);
	free(got);
	yg_wxml_doc_destroy(doc);
}

static void check(const char *text, const char *want)
{
	check_flags(text, 0, want);
}

/* Parses `len` bytes expecting `want_err`, one diagnostic containing
 * `msg` at `line`. */
static void check_err_len(const char *text, size_t len, yg_err want_err, const char *msg, int line)
{
	yg_diag *d = yg_diag_create();
	yg_wxml_doc *doc = (yg_wxml_doc *)1;
	yg_err err = yg_wxml_parse_buffer(text, len, "bad.xml", d, &doc);
	assert_int_equal(err, want_err);
	assert_null(doc);
	assert_int_equal(yg_diag_errors(d), 1);
	const yg_diag_entry *e = yg_diag_get(d, 0);
	if (!strstr(e->message, msg))
		fail_msg("message \"%s\" lacks \"%s\"", e->message, msg);
	assert_string_equal(e->file, "bad.xml");
	assert_int_equal(e->line, line);
	yg_diag_destroy(d);
}

static void check_err(const char *text, const char *msg, int line)
{
	check_err_len(text, strlen(text), YG_EPARSE, msg, line);
}

/* A string of `n` copies of `c`. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);
	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* ---- structure ---- */

static void test_simple(void **state)
{
	(void)state;
	check("", "");
	check("   \n\t ", "");
	check("<root></root>", "<root></root>");
	check("<root/>", "<root></root>");
	check("<root />", "<root></root>");
	check("<root1></root1><root2></root2><root3/>",
	      "<root1></root1><root2></root2><root3></root3>");
	check("<root1><child1></child1></root1><root2><child1></child1><child2/>"
	      "<child3><child3.1></child3.1></child3></root2><root3></root3>",
	      "<root1><child1></child1></root1><root2><child1></child1><child2></child2>"
	      "<child3><child3.1></child3.1></child3></root2><root3></root3>");
	/* Text outside elements is ignored, stray '>' too. */
	check("junk > here <a>x</a> more junk", "<a>x</a>");
	/* An empty name is a name. */
	check("<>x</>", "<>x</>");
}

static void test_content(void **state)
{
	(void)state;
	/* Only the text after the last child counts. */
	check("<root>value1<child/>value2</root>", "<root>value2<child></child></root>");
	check("<root>value1<child/></root>", "<root><child></child></root>");
	/* Not trimmed. */
	check("<a>  x \n y  </a>", "<a>  x \n y  </a>");
	check("<group name=\"g\">\n  <rule id=\"1\">\n  </rule>\n</group>\n",
	      "<group name=\"g\">\n<rule id=\"1\">\n  </rule></group>");
	/* No entities: '&' and friends are plain text. */
	check("<regex>ip=(\\S+)&server=</regex>", "<regex>ip=(\\S+)&server=</regex>");
	check("<a>&amp;&lt;&#x41;\"'</a>", "<a>&amp;&lt;&#x41;\"'</a>");
	check("<a>1 > 0</a>", "<a>1 > 0</a>"); /* CDATA is not special: "<!" starts a comment ending
	                                          at "!>" or "-->". */
	check("<a>x<![CDATA[ y ]]-->z</a>", "<a>xz</a>");
	/* UTF-8 passes through. */
	check("<a>日本語</a>", "<a>日本語</a>");
}

static void test_selfclose_quirk(void **state)
{
	(void)state;
	/* `<x a="1"/>` ends at the '/': its '>' becomes the parent's text. */
	check("<p><x a=\"1\"/></p>", "<p>><x a=\"1\"></x></p>");
	check("<p><x /></p>", "<p>><x></x></p>");
	check("<p><x/></p>", "<p><x></x></p>");
	check("<p><x a=\"1\"/>\n<y/></p>", "<p><x a=\"1\"></x><y></y></p>");
	/* A trailing slash in the name, then attributes, is self-closing too. */
	check("<a/ b=\"1\">", "<a b=\"1\"></a>");
}

static void test_attributes(void **state)
{
	(void)state;
	check("<root attr1=\"test\" attr2=\"1\"></root>",
	      "<root attr1=\"test\" attr2=\"1\"></root>");
	check("<root attr1=\"test\"\nattr2=\"test\"\tattr3=\"test\"></root>",
	      "<root attr1=\"test\" attr2=\"test\" attr3=\"test\"></root>");
	check("<root attr1=\"test/test\"></root>", "<root attr1=\"test/test\"></root>");
	check("<root attr1=\"test1\"></root><root attr1=\"test2\"></root>",
	      "<root attr1=\"test1\"></root><root attr1=\"test2\"></root>");
	check("<root attr1=\"test\"\n\t  \t\n  \n\t  \nattr2=\"test\"></root>",
	      "<root attr1=\"test\" attr2=\"test\"></root>");
	check("<root\n\t  \t\n  \n\t  \nattr1=\"test\"></root>", "<root attr1=\"test\"></root>");
	check("<root attr1=\n\t  \t\n  \n\t  \n\"test\"></root>", "<root attr1=\"test\"></root>");
	check("<root attr=\"test\" />", "<root attr=\"test\"></root>");
	check("<root attr=\"test\"/>", "<root attr=\"test\"></root>");
	/* Single quotes; the other quote, '<', '&' and newlines are plain. */
	check("<a x='say \"hi\"' y=\"it's\"/>", "<a x=\"say \"hi\"\" y=\"it's\"></a>");
	check("<a x=\"<b &amp;\n\"/>", "<a x=\"<b &amp;\n\"></a>");
	check("<a x=\"\"/>", "<a x=\"\"></a>");
	/* Comments are not special inside a tag's attributes. */
	check("<a x=\"<!-- c --\"/>", "<a x=\"<!-- c --\"></a>");
	/* Names are case-sensitive: these differ. */
	check("<a x=\"1\" X=\"2\"/>", "<a x=\"1\" X=\"2\"></a>");

	yg_wxml_doc *doc = parse_flags("<a one=\"1\" two='2'/>", 0);
	const yg_wxml_node *a = yg_wxml_doc_root(doc, 0);
	assert_string_equal(yg_wxml_attr_get(a, "two"), "2");
	assert_string_equal(yg_wxml_attr_get(a, "one"), "1");
	assert_null(yg_wxml_attr_get(a, "ONE"));
	assert_null(yg_wxml_attr_get(a, "three"));
	assert_null(yg_wxml_attr_get(NULL, "one"));
	yg_wxml_doc_destroy(doc);

	/* 49 attributes are fine; whitespace after the 49th is not. */
	char buf[2048];
	size_t n = 0;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<a");
	for (int i = 0; i < 49; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " a%d=\"%d\"", i, i);
	snprintf(buf + n, sizeof(buf) - n, ">x</a>");
	doc = parse_flags(buf, 0);
	assert_int_equal(yg_wxml_doc_root(doc, 0)->nattrs, 49);
	yg_wxml_doc_destroy(doc);
	snprintf(buf + n, sizeof(buf) - n, " >x</a>");
	check_err(buf, "Too many attributes.", 1);
}

static void test_attr_named_var(void **state)
{
	(void)state;
	/* os_xml takes an attribute called "var" for a variable definition: it
	 * and the attributes after it disappear from the element. */
	check_flags("<a x=\"1\" var=\"2\" y=\"3\">t</a>", YG_WXML_NO_VARS, "<a x=\"1\">t</a>");
	/* ... and, with variables applied, it defines the variable named by
	 * the next attribute. */
	check("<a VAR=\"val\" name=\"V1\"/><b>$V1</b>", "<a></a><b>val</b>");
	check_err("<a var=\"val\" other=\"V1\"/>",
	          "Only \"name\" is allowed as an attribute for a variable.", 1);
	/* The duplicate check stops at it, too. */
	check_flags("<a x=\"1\" var=\"2\" x=\"3\"/>", YG_WXML_NO_VARS, "<a x=\"1\"></a>");
}

static void test_comments(void **state)
{
	(void)state;
	check("<root1/><!comment!><root2/>", "<root1></root1><root2></root2>");
	check("<root1/><!--comment--><root2/>", "<root1></root1><root2></root2>");
	check("<root1/><! comment with ! !><root2/>", "<root1></root1><root2></root2>");
	check("<root1/><! comment with - --><root2/>", "<root1></root1><root2></root2>");
	check("<!-- a --><!-- b --><x/><!-- c -->", "<x></x>");
	/* Inside content, names and closing tags. */
	check("<a>foo<!-- x -->bar</a>", "<a>foobar</a>");
	check("<a>foo<!-- <b>not</b> -->bar</a>", "<a>foobar</a>");
	check("<a<!-- x -->b>1</ab>", "<ab>1</ab>");
	check("<a>1</a<!-- x -->>", "<a>1</a>");
	check("<g>\n<!-- <rule id=\"1\"/> -->\n<r>x</r>\n</g>", "<g>\n<r>x</r></g>");
	/* "--->" ends a comment; so does "--!>" and a lone "!>". */
	check("<!-- x ---><a/>", "<a></a>");
	check("<!-- x --!><a/>", "<a></a>");
	check("<!-- a > b -- c - d ! e !><a/>", "<a></a>");
	/* A comment inside an escaped '<' is still a comment. */
	check("<a>x\\<!-- c -->y</a>", "<a>x\\y</a>");
	/* Comments count lines. */
	yg_wxml_doc *doc = parse_flags("<!--\n\n-->\n<a/>", 0);
	assert_int_equal(yg_wxml_doc_root(doc, 0)->line, 4);
	yg_wxml_doc_destroy(doc);
}

static void test_escapes(void **state)
{
	(void)state;
	/* "\<" is text; the backslash stays. */
	check("<root1>\\</root1\\></root1>", "<root1>\\</root1\\></root1>");
	check("<prematch>\\<log>\\.+\\</log></prematch>",
	      "<prematch>\\<log>\\.+\\</log></prematch>");
	/* An even run of backslashes does not escape. */
	check("<match>C:\\\\</match>", "<match>C:\\\\</match>");
	check("<match>C:\\\\\\\\</match>", "<match>C:\\\\\\\\</match>");
	/* Only '<' is affected. */
	check("<a>\\>\\x\\</a\\></a>", "<a>\\>\\x\\</a\\></a>");
	/* An odd run hides the closing tag. */
	check_err("<match>C:\\</match>", "End of file and some elements were not closed.", 1);
	/* Between top-level elements an escaped '<' is skipped. */
	check("\\<<a/>", "<a></a>");
}

static void test_lines(void **state)
{
	(void)state;
	yg_wxml_doc *doc = parse_flags("<root1/>\n<root2/>\n<root3>\n<c/></root3>", 0);
	assert_int_equal(yg_wxml_doc_nroots(doc), 3);
	assert_int_equal(yg_wxml_doc_root(doc, 0)->line, 1);
	assert_int_equal(yg_wxml_doc_root(doc, 1)->line, 2);
	assert_int_equal(yg_wxml_doc_root(doc, 2)->line, 3);
	assert_int_equal(yg_wxml_doc_root(doc, 2)->children[0]->line, 4);
	assert_null(yg_wxml_doc_root(doc, 3));
	assert_string_equal(yg_wxml_doc_name(doc), "t.xml");
	yg_wxml_doc_destroy(doc);
	/* The line is the one of '<', even when the name ends a line later. */
	doc = parse_flags("\n\n<a\nx=\"1\"><b\n/></a>", 0);
	assert_int_equal(yg_wxml_doc_root(doc, 0)->line, 3);
	assert_int_equal(yg_wxml_doc_root(doc, 0)->children[0]->line, 4);
	yg_wxml_doc_destroy(doc);
	/* CRLF files. */
	check("<a>\r\n<b>1</b>\r\n</a>\r\n", "<a>\r\n<b>1</b></a>");
}

static void test_nul_and_binary(void **state)
{
	(void)state;
	/* A NUL is an ordinary byte that ends the stored string, as with
	 * Wazuh's fgetc() + strdup(). */
	static const char t1[] = "<a>x\0y</a><b\0c>1</b\0d>";
	yg_wxml_doc *doc = NULL;
	assert_int_equal(yg_wxml_parse_buffer(t1, sizeof(t1) - 1, "n", NULL, &doc), YG_OK);
	char *got = dump(doc);
	assert_string_equal(got, "<a>x</a><b>1</b>");
	free(got);
	yg_wxml_doc_destroy(doc);
	static const char t2[] = "<a>\xff\xfe</a>";
	assert_int_equal(yg_wxml_parse_buffer(t2, sizeof(t2) - 1, "n", NULL, &doc), YG_OK);
	assert_string_equal(yg_wxml_doc_root(doc, 0)->content, "\xff\xfe");
	yg_wxml_doc_destroy(doc);
	/* NULL text is only fine when empty. */
	assert_int_equal(yg_wxml_parse_buffer(NULL, 0, NULL, NULL, &doc), YG_OK);
	assert_int_equal(yg_wxml_doc_nroots(doc), 0);
	yg_wxml_doc_destroy(doc);
	assert_int_equal(yg_wxml_parse_buffer(NULL, 1, NULL, NULL, &doc), YG_EINVAL);
	assert_int_equal(yg_wxml_parse_buffer("", 0, NULL, NULL, NULL), YG_EINVAL);
	yg_wxml_doc_destroy(NULL);
	assert_int_equal(yg_wxml_doc_nroots(NULL), 0);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	(void)state;
	check_err("<root>", "End of file and some elements were not closed.", 1);
	check_err("<root>\n<a>\n", "End of file and some elements were not closed.", 3);
	check_err("<ro", "End of file and some elements were not closed.", 1);
	check_err("<root></root2>", "Element 'root' not closed.", 1);
	check_err("<root>\n<x>\n</y>\n</root>", "Element 'x' not closed.", 3);
	check_err("<root></root >", "Element 'root' not closed.", 1);
	check_err("<!-- comment", "Comment not closed.", 1);
	check_err("<a>\n<!-- comment\n\n", "Comment not closed.", 4);
	check_err("</root>", "Element not opened.", 1);
	check_err("<a/>\n\n</a>", "Element not opened.", 3);
	check_err("<root attr=\"attribute></root>", "Attribute 'attr' not closed.", 1);
	check_err("<root attr=attribute></root>", "Attribute 'attr' not followed by a \" or '.", 1);
	check_err("<root attr", "End of file while reading an attribute.", 1);
	check_err("<root attr=", "Attribute 'attr' not followed by a \" or '.", 1);
	check_err("<root attr=  test\"test\"/>", "Attribute 'attr' not followed by a \" or '.", 1);
	check_err("<root attr=''", "Bad attribute closing for 'attr'=''.", 1);
	check_err("<root attr='test'test/>", "Bad attribute closing for 'attr'='test'.", 1);
	check_err("<root attr='", "End of file while reading an attribute.", 1);
	check_err("<root attr='test' attr2='test' attr='test123'></root>",
	          "Attribute 'attr' already defined.", 1);
	check_err("<root attr></root>", "Attribute 'attr' has no value.", 1);
	check_err("<root attr attr2='test'></root>", "Attribute 'attr' has no value.", 1);
	check_err("<root attr =\"1\"></root>", "Attribute 'attr' has no value.", 1);
	check_err("<root a=\"1>\"></root>", "Attribute 'a' not closed.", 1);
	/* Wazuh cannot read an XML declaration (wazuh#8050). */
	check_err("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>",
	          "Bad attribute closing for 'encoding'='UTF-8'.", 1);
	check_err("<?xml version=\"1.0\"?>", "<?xml ...?>", 1);
	check_err("<?xml?>\n<a/>\n", "<?xml ...?>", 3);
	/* A DOCTYPE is a comment that never ends. */
	check_err("<!DOCTYPE x>\n<a/>", "Comment not closed.", 2);
	check_err("<a>x<![CDATA[ y ]]>z</a>", "Comment not closed.", 1);
}

static void test_limits(void **state)
{
	(void)state;
	/* 20479 bytes fit in a name, a text run or an attribute; 20480 not. */
	char *ok = repeat('c', 20479), *big = repeat('c', 20480);
	char *open = cat3("<", ok, ">"), *close = cat3("</", ok, ">");
	char *s = cat3(open, "x", close);
	yg_wxml_doc *doc = parse_flags(s, 0);
	assert_int_equal(strlen(yg_wxml_doc_root(doc, 0)->name), 20479);
	yg_wxml_doc_destroy(doc);
	free(s);
	free(open);
	free(close);
	/* The '/' of "<name/>" counts. */
	s = cat3("<", ok, "/>");
	check_err(s, "String overflow.", 1);
	free(s);
	s = cat3("<t>", ok, "</t>");
	doc = parse_flags(s, 0);
	assert_int_equal(strlen(yg_wxml_doc_root(doc, 0)->content), 20479);
	yg_wxml_doc_destroy(doc);
	free(s);
	s = cat3("<", big, "/>");
	check_err(s, "String overflow.", 1);
	free(s);
	s = cat3("<t>", big, "</t>");
	check_err(s, "String overflow.", 1);
	free(s);
	/* Text runs are counted between children. */
	char *half = repeat('x', 15000);
	char *mid = cat3(half, "<c/>", half);
	s = cat3("<t>", mid, "</t>");
	doc = parse_flags(s, 0);
	assert_int_equal(strlen(yg_wxml_doc_root(doc, 0)->content), 15000);
	yg_wxml_doc_destroy(doc);
	free(s);
	free(mid);
	free(half);
	s = cat3("<test ", big, "=\"test\">test</test>");
	check_err(s, "Overflow attempt at attribute 'cccccccccccccccccccc'.", 1);
	free(s);
	s = cat3("<test test=\"", big, "\">test</test>");
	check_err(s, "Overflow attempt at attribute 'test'.", 1);
	free(s);
	free(ok);
	free(big);

	/* 1024 levels of nesting are fine; 1025 are not. */
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	for (int i = 0; i < 1024; i++)
		yg_buf_puts(&b, "<a>");
	yg_buf_puts(&b, "deep");
	for (int i = 0; i < 1024; i++)
		yg_buf_puts(&b, "</a>");
	doc = parse_flags(b.data, 0);
	const yg_wxml_node *n = yg_wxml_doc_root(doc, 0);
	for (int i = 1; i < 1024; i++) {
		assert_int_equal(n->nchildren, 1);
		n = n->children[0];
	}
	assert_string_equal(n->content, "deep");
	yg_wxml_doc_destroy(doc);
	yg_buf_reset(&b);
	for (int i = 0; i < 1025; i++)
		yg_buf_puts(&b, "<a>\n");
	check_err(b.data, "Max recursion level reached", 1025);
	/* Hostile nesting: many levels, unclosed. */
	yg_buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		yg_buf_puts(&b, "<a>");
	check_err(b.data, "Max recursion level reached", 1);
	yg_buf_free(&b);

	/* Over 64 MiB is refused up front. */
	char *huge = malloc(((size_t)64 << 20) + 1);
	assert_non_null(huge);
	memset(huge, ' ', ((size_t)64 << 20) + 1);
	check_err_len(huge, ((size_t)64 << 20) + 1, YG_ELIMIT, "too large", 0);
	free(huge);
}

/* ---- variables ---- */

static void test_variables(void **state)
{
	(void)state;
	check("<var name=\"var1\">value1</var>"
	      "<var name=\"var2\">value2</var>"
	      "<root attr1=\"$var1\" attr2=\"1\">$var2</root>"
	      "<root attr1=\"blah$var1\" attr2=\"1\">blah$var2</root>"
	      "<root attr1=\"blah$var1$var2 blah\" attr2=\"1\">blah$var2$var1 blah</root>",
	      "<root attr1=\"value1\" attr2=\"1\">value2</root>"
	      "<root attr1=\"blahvalue1\" attr2=\"1\">blahvalue2</root>"
	      "<root attr1=\"blahvalue1value2 blah\" attr2=\"1\">blahvalue2value1 blah</root>");
	/* Real use: frequency and lists of words. */
	check("<var name=\"MS_FREQ\">8</var>\n<group name=\"g\">\n<rule id=\"1\" "
	      "frequency=\"$MS_FREQ\"><match>x</match></rule>\n</group>",
	      "<group name=\"g\">\n<rule id=\"1\" frequency=\"8\"><match>x</match></rule>"
	      "</group>");
	/* Once any variable exists, a later one is unknown where used. */
	check_err("<var name=\"A\">1</var><m>$BAD</m><var name=\"BAD\">x</var>",
	          "Unknown variable: 'BAD'.", 1);
	/* Names end at $ . | , and space; they are case-insensitive. */
	check("<var name=\"Ab\">V</var><x>$ab.$AB|$aB,$Ab $ab$ab</x>", "<x>V.V|V,V VV</x>");
	/* ... but not at other characters. */
	check_err("<var name=\"A\">V</var><x>($A)</x>", "Unknown variable: 'A)'.", 1);
	check_err("<var name=\"A\">V</var>\n<x>\n$A/b</x>", "Unknown variable: 'A/b'.", 2);
	/* '$' followed by a terminator stays. */
	check("<var name=\"A\">V</var><x>a$|b$</x><y>$$A</y>", "<x>a$|b$</x><y>$V</y>");
	/* Wazuh's field references `$(name)` stay. */
	check("<var name=\"A\">V</var><d>Active response: $(script) - $(type)</d>",
	      "<d>Active response: $(script) - $(type)</d>");
	/* ... and make os_xml lose text before a later variable. */
	check("<var name=\"A\">val</var><d>$(x) $A</d>", "<d>$val</d>");
	check("<var name=\"A\">V</var><d>ab$(x.y)cd $A.</d>", "<d>ab$(x.y)V.</d>");
	/* Texts of two bytes or less are not looked at. */
	check("<var name=\"A\">V</var><x>$A</x><y>$A </y><z>$Q</z>", "<x>$A</x><y>V </y><z>$Q</z>");
	/* The first definition wins; values are not expanded again. */
	check("<var name=\"A\">1</var><var name=\"a\">2</var><var name=\"B\">$A.x</var>"
	      "<x>$A,$B</x>",
	      "<x>1,$A.x</x>");
	/* Before any definition, `$X` is left alone. */
	check("<x>$UNDEFINED here</x><var name=\"A\">V</var>", "<x>$UNDEFINED here</x>");
	/* Definitions are hidden, in any case and at any level. */
	check("<VAR name=\"A\">V</VAR><a><Var name=\"B\">W</Var><b>$A$B</b></a>",
	      "<a><b>VW</b></a>");
	/* A definition's own text is the text after its last child. */
	check("<var name=\"A\">x<y>$A</y>z</var><q>$A.</q>", "<q>z.</q>");
	/* Without a name of its own, a definition takes the next attribute. */
	check("<var>v</var><g name=\"N\">$N.</g>", "<g name=\"N\">v.</g>");
	/* A 255-byte name is fine. */
	char *n255 = repeat('n', 255);
	char *def = cat3("<var name=\"", n255, "\">ok</var>");
	char *use = cat3("<x>$", n255, ".</x>");
	char *both = cat3(def, use, "");
	check(both, "<x>ok.</x>");
	free(both);
	free(use);
	free(def);
	free(n255);
	/* NO_VARS: nothing is replaced, definitions stay hidden. */
	check_flags("<var name=\"A\">V</var><x>$A.$B</x>", YG_WXML_NO_VARS, "<x>$A.$B</x>");
}

static void test_variable_errors(void **state)
{
	(void)state;
	check_err("<var test=\"test\"></var>",
	          "Only \"name\" is allowed as an attribute for a variable.", 1);
	check_err("<var name=\"test\">content</var><root>$var</root>", "Unknown variable: 'var'.",
	          1);
	check_err("<var>content</var><root>$var</root>", "No value set for variable.", 1);
	check_err("<a>\n<var>content</var></a>\n<b x=\"1\"/>", "No value set for variable.", 2);
	check("<root>$var</root>", "<root>$var</root>");
	char *c265 = repeat('c', 265);
	char *s = cat3("<var name=\"", c265, "\">test</var><root/>");
	check_err(s, "Invalid variable name size.", 1);
	free(s);
	s = cat3("<var name=\"test\">content</var><root>$", c265, "</root>");
	check_err(s, "Invalid variable name size: '255'.", 1);
	free(s);
	free(c265);
	/* Attribute values are checked too. */
	check_err("<var name=\"A\">V</var>\n\n<x a=\"$B.\"/>", "Unknown variable: 'B'.", 3);
}

static void test_expansion_bound(void **state)
{
	(void)state;
	/* 20 KB values used 10 000 times in each of many elements would need
	 * gigabytes: refused with YG_ELIMIT instead. */
	char *val = repeat('v', 20000);
	yg_buf b;
	yg_buf_init(&b, 1 << 26);
	yg_buf_printf(&b, "<var name=\"A\">%s</var>", val);
	for (int e = 0; e < 40; e++) {
		yg_buf_puts(&b, "<x>");
		for (int i = 0; i < 6000; i++)
			yg_buf_puts(&b, "$A.");
		yg_buf_puts(&b, "</x>");
	}
	check_err_len(b.data, b.len, YG_ELIMIT, "variable expansion too large", 1);
	yg_buf_free(&b);
	free(val);
}

/* ---- files ---- */

static void test_parse_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_wxml_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("<var name=\"A\">V</var>\n<ossec_config><x>$A.</x></ossec_config>\n", f);
	fclose(f);
	yg_wxml_doc *doc = NULL;
	assert_int_equal(yg_wxml_parse_file(path, NULL, &doc), YG_OK);
	assert_string_equal(yg_wxml_doc_root(doc, 0)->children[0]->content, "V.");
	assert_string_equal(yg_wxml_doc_name(doc), path);
	yg_wxml_doc_destroy(doc);
	assert_int_equal(yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, NULL, &doc), YG_OK);
	assert_string_equal(yg_wxml_doc_root(doc, 0)->children[0]->content, "$A.");
	yg_wxml_doc_destroy(doc);
	unlink(path);

	yg_diag *d = yg_diag_create();
	doc = (yg_wxml_doc *)1;
	assert_int_equal(yg_wxml_parse_file("/nonexistent/x.xml", d, &doc), YG_EIO);
	assert_null(doc);
	assert_int_equal(yg_diag_errors(d), 1);
	assert_string_equal(yg_diag_get(d, 0)->file, "/nonexistent/x.xml");
	yg_diag_destroy(d);
}

/* ---- the real corpus ---- */

/* Where /work/shared lives: $YAGURA_SHARED, else beside the source tree
 * (YG_TEST_DATA is <src>/tests/unit/data). */
static const char *shared_dir(void)
{
	static char dir[4096];
	const char *env = getenv("YAGURA_SHARED");
	if (env && *env)
		return env;
	snprintf(dir, sizeof(dir), "%s", YG_TEST_DATA);
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return "/work/shared";
		*slash = '\0';
	}
	strncat(dir, "/../shared", sizeof(dir) - strlen(dir) - 1);
	return dir;
}

static bool is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses every file in `dir` ending in `suffix`; returns how many. */
static size_t parse_all(const char *dir, const char *suffix, unsigned flags, double *secs)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	size_t sl = strlen(suffix);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			assert_non_null(names);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	yg_diag *diag = yg_diag_create();
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		yg_wxml_doc *doc = NULL;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		yg_err err = yg_wxml_parse_file_ex(path, flags, diag, &doc);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		*secs += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (err) {
			yg_diag_print(diag, stderr);
			fail_msg("%s: %s", path, yg_strerror(err));
		}
		yg_wxml_doc_destroy(doc);
		free(names[i]);
	}
	assert_int_equal(yg_diag_count(diag), 0);
	yg_diag_destroy(diag);
	free(names);
	return n;
}

static yg_wxml_doc *parse_shared(const char *rel, unsigned flags)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", shared_dir(), rel);
	yg_diag *d = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	yg_err err = yg_wxml_parse_file_ex(path, flags, d, &doc);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	yg_diag_destroy(d);
	return doc;
}

static size_t count_roots(const yg_wxml_doc *doc, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++)
		n += strcmp(yg_wxml_doc_root(doc, i)->name, name) == 0;
	return n;
}

static const yg_wxml_node *child(const yg_wxml_node *n, const char *name)
{
	for (size_t i = 0; i < n->nchildren; i++)
		if (strcmp(n->children[i]->name, name) == 0)
			return n->children[i];
	return NULL;
}

/* The rule with id `id` in a rules document, or NULL. */
static const yg_wxml_node *find_rule(const yg_wxml_doc *doc, const char *id)
{
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *g = yg_wxml_doc_root(doc, i);
		for (size_t j = 0; j < g->nchildren; j++) {
			const char *rid = yg_wxml_attr_get(g->children[j], "id");
			if (rid && strcmp(rid, id) == 0)
				return g->children[j];
		}
	}
	return NULL;
}

static void test_corpus_all(void **state)
{
	(void)state;
	const char *sh = shared_dir();
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/wazuh/ruleset", sh);
	if (!is_dir(dir))
		skip();
	double secs = 0;
	size_t n = 0;
	snprintf(dir, sizeof(dir), "%s/wazuh/ruleset/decoders", sh);
	n += parse_all(dir, ".xml", 0, &secs);
	snprintf(dir, sizeof(dir), "%s/wazuh/ruleset/rules", sh);
	n += parse_all(dir, ".xml", 0, &secs);
	assert_true(n >= 250);
	double ruleset_secs = secs;
	snprintf(dir, sizeof(dir), "%s/wazuh/etc", sh);
	n += parse_all(dir, ".conf", YG_WXML_NO_VARS, &secs);
	n += parse_all(dir, ".xml", 0, &secs);
	snprintf(dir, sizeof(dir), "%s/scenarios/seed", sh);
	if (is_dir(dir)) {
		n += parse_all(dir, ".xml", 0, &secs);
		n += parse_all(dir, ".conf", YG_WXML_NO_VARS, &secs);
	}
	printf("# parsed %zu corpus files in %.1f ms (ruleset %.1f ms)\n", n, secs * 1e3,
	       ruleset_secs * 1e3);
	/* Generous against slow (sanitizer) builds; normally ~10 ms. */
	assert_true(ruleset_secs < 2.0);
}

static void test_corpus_facts(void **state)
{
	(void)state;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/wazuh/ruleset", shared_dir());
	if (!is_dir(dir))
		skip();

	/* '&' in a regex, untouched. */
	yg_wxml_doc *doc = parse_shared("wazuh/ruleset/decoders/0170-nginx_decoders.xml", 0);
	assert_true(count_roots(doc, "decoder") == yg_wxml_doc_nroots(doc));
	bool amp = false;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *r = child(yg_wxml_doc_root(doc, i), "regex");
		if (r && strstr(r->content, "ip=(\\S+)&server="))
			amp = true;
	}
	assert_true(amp);
	yg_wxml_doc_destroy(doc);

	/* "\<" kept in Sophos' regexes. */
	doc = parse_shared("wazuh/ruleset/decoders/0300-sophos_decoders.xml", 0);
	bool found = false;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *r = child(yg_wxml_doc_root(doc, i), "prematch");
		if (r && strcmp(r->content, "\\<log>\\.+\\</log>") == 0)
			found = true;
	}
	assert_true(found);
	yg_wxml_doc_destroy(doc);

	/* Variables: sshd rules use $BAD_WORDS-like lists; ossec rules the
	 * `$(field)` references. */
	doc = parse_shared("wazuh/ruleset/rules/0015-ossec_rules.xml", 0);
	assert_true(count_roots(doc, "group") == yg_wxml_doc_nroots(doc));
	const yg_wxml_node *r = find_rule(doc, "605");
	assert_non_null(r);
	assert_string_equal(child(r, "description")->content,
	                    "Host Blocked by $(script) Active Response");
	yg_wxml_doc_destroy(doc);

	/* A file with <var> definitions: none shows as a root, and uses are
	 * replaced. */
	doc = parse_shared("wazuh/ruleset/rules/0020-syslog_rules.xml", 0);
	assert_int_equal(count_roots(doc, "var"), 0);
	assert_true(count_roots(doc, "group") == yg_wxml_doc_nroots(doc));
	r = find_rule(doc, "1002");
	assert_non_null(r);
	const yg_wxml_node *m = child(r, "match");
	assert_non_null(m);
	assert_null(strchr(m->content, '$'));
	assert_non_null(strstr(m->content, "core_dumped|failure|error|attack| bad |illegal"));
	yg_wxml_doc_destroy(doc);

	/* ossec.conf, read without variables like Wazuh. */
	doc = parse_shared("wazuh/etc/ossec-server.conf", YG_WXML_NO_VARS);
	assert_true(count_roots(doc, "ossec_config") >= 1);
	const yg_wxml_node *cfg = yg_wxml_doc_root(doc, 0);
	assert_non_null(child(cfg, "ruleset"));
	yg_wxml_doc_destroy(doc);

	/* The seed scenario's files. */
	snprintf(dir, sizeof(dir), "%s/scenarios/seed", shared_dir());
	if (!is_dir(dir))
		return;
	doc = parse_shared("scenarios/seed/ossec.conf", YG_WXML_NO_VARS);
	assert_int_equal(count_roots(doc, "ossec_config"), 1);
	assert_non_null(child(yg_wxml_doc_root(doc, 0), "syscheck"));
	yg_wxml_doc_destroy(doc);
	doc = parse_shared("scenarios/seed/local_rules.xml", 0);
	r = find_rule(doc, "100403");
	assert_non_null(r);
	assert_string_equal(yg_wxml_attr_get(r, "level"), "7");
	yg_wxml_doc_destroy(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_simple),          cmocka_unit_test(test_content),
	        cmocka_unit_test(test_selfclose_quirk), cmocka_unit_test(test_attributes),
	        cmocka_unit_test(test_attr_named_var),  cmocka_unit_test(test_comments),
	        cmocka_unit_test(test_escapes),         cmocka_unit_test(test_lines),
	        cmocka_unit_test(test_nul_and_binary),  cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_limits),          cmocka_unit_test(test_variables),
	        cmocka_unit_test(test_variable_errors), cmocka_unit_test(test_expansion_bound),
	        cmocka_unit_test(test_parse_file),      cmocka_unit_test(test_corpus_all),
	        cmocka_unit_test(test_corpus_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
