/*
** sig.h — digests and signatures (prefix pls_), on OpenSSL's libcrypto.
** Monocypher's style: fixed-size array parameters, no allocation, 0/-1
** from checks.
*/
#ifndef PL_SIG_SIG_H
#define PL_SIG_SIG_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of data[0..len). 0, or -1 when libcrypto fails. */
int pls_sha256(const void *data, size_t len, uint8_t out[32]);
/* The same as 64 lowercase hex digits and a NUL. */
int pls_sha256_hex(const void *data, size_t len, char out[65]);

#endif
