#include "doc.h"
pl_status plc_parse_json(const char *t, size_t l, const char *f, unsigned fl, plc_doc **o, pl_err *e) { (void)t;(void)l;(void)f;(void)fl; *o=NULL; return plu_errf(e, PL_E_UNSUPPORTED, NULL, "tmp"); }
