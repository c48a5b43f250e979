// SPDX-License-Identifier: MIT
/*
 * The one JSON primitive mdevtool needs: a string with the escapes RFC 8259
 * requires.  Values come from sysfs and could in principle hold anything
 * (a type's "name" is free text), so everything is escaped, never trusted.
 */
#include <stdio.h>

#include "mdevtool.h"

void json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}
