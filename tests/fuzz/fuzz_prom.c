/* fuzz_prom.c: the exposition-format parser and selectors (lib/prom.c) on
 * arbitrary bytes: the first line is parsed as a selector, the rest as a
 * scrape; when both parse, the selector is used for a sum, an increase of the
 * scrape over itself and a histogram_quantile.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_scrape s;
	struct prom_selector sel;
	const char *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - (const char *)data) : size;
	size_t rest = nl ? size - first - 1 : 0;
	char why[256], *line = malloc(first + 1);
	double q, obs;

	memcpy(line, data, first);
	line[first] = 0;
	if (prom_parse(nl ? nl + 1 : "", rest, &s, why, sizeof why) == 0 &&
	    prom_selector_parse(line, &sel, why, sizeof why) == 0) {
		(void)prom_sum(&s, &sel);
		(void)prom_increase(&s, &s, &sel);
		(void)prom_histogram_quantile(0.95, NULL, &s, &sel, &q, &obs, why, sizeof why);
		prom_selector_free(&sel);
	} else if (prom_selector_parse(line, &sel, why, sizeof why) == 0) {
		prom_selector_free(&sel);
	}
	prom_scrape_free(&s);
	free(line);
	return 0;
}
