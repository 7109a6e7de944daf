#include "doc.h"
pl_status plc_parse_yaml(const char *t, size_t l, const char *f,  plc_doc **o, pl_err *e) { (void)t;(void)l;(void)f; *o=NULL; return plu_errf(e, PL_E_UNSUPPORTED, NULL, "tmp"); }
