/*
** datetime.c — a tool plugin (plinth's Wasm tool ABI) for dates and times:
**
**   now      {timezone?, format?}            the current time (WASI clock)
**   format   {datetime, format, timezone?}   strftime-style formatting
**   add      {datetime, weeks?, days?, hours?, minutes?, seconds?}
**   diff     {from, to, unit?}               to - from in seconds..weeks
**   weekday  {date}                          "Monday" .. "Sunday"
**
** A datetime is ISO 8601 text ("2024-02-29", "2024-02-29T13:05:00Z",
** "2024-02-29 13:05:00.250+05:30") or Unix seconds (a number). Time
** zones are UTC or fixed offsets ("UTC", "Z", "+02:00", "-0800",
** "UTC+2"); named zones (Europe/Paris) need a tz database a sandboxed
** plugin does not have, and are refused with a message saying so. Times
** without an offset are read in the "timezone" argument, else UTC.
** Results keep the offset they were given in. The calendar is the
** proleptic Gregorian one, years 0000-9999, milliseconds kept.
**
** The current time comes from wasi-libc's clock_gettime, which imports
** wasi_snapshot_preview1.clock_time_get: the host decides what "now" is.
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <time.h>

#include "plinth_pdk.h"

#define MS_PER_DAY 86400000LL

/* An instant (ms since 1970-01-01T00:00:00Z) and the offset it is shown in. */
typedef struct dt {
    int64_t ms;
    int offset_min;
} dt;

typedef struct civil {
    int64_t y;
    int m, d, hh, mm, ss, ms, yday, wday; /* wday 0 = Sunday */
} civil;

static const char *const weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January", "February", "March",     "April",
                                     "May",     "June",     "July",      "August",
                                     "September", "October", "November", "December"};

/* ---- the calendar (days since the epoch <-> y/m/d, H. Hinnant's method) */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, civil *c)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->y = yoe + era * 400 + (c->m <= 2);
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* The local calendar fields of an instant in its offset. */
static void to_civil(const dt *t, civil *c)
{
    int64_t local = t->ms + (int64_t)t->offset_min * 60000;
    int64_t days = floor_div(local, MS_PER_DAY), rest = local - days * MS_PER_DAY;
    civil_from_days(days, c);
    c->hh = (int)(rest / 3600000);
    c->mm = (int)(rest / 60000 % 60);
    c->ss = (int)(rest / 1000 % 60);
    c->ms = (int)(rest % 1000);
    c->yday = (int)(days - days_from_civil(c->y, 1, 1));
    c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* ---- reading ------------------------------------------------------------ */

typedef struct scan {
    const char *p, *end;
} scan;

/* Exactly n digits. */
static bool digits(scan *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, s->p++) {
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return false;
        v = v * 10 + (*s->p - '0');
    }
    *out = v;
    return true;
}

static bool take(scan *s, char c)
{
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

/* "+HH:MM", "-HHMM", "+HH" or "+H" at s; minutes east of UTC into *off. */
static bool offset_part(scan *s, int *off)
{
    if (s->p >= s->end || (*s->p != '+' && *s->p != '-'))
        return false;
    int sign = *s->p++ == '-' ? -1 : 1, h, m = 0;
    if (!digits(s, 1, &h))
        return false;
    int h2;
    if (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits(s, 1, &h2))
        h = h * 10 + h2;
    if (take(s, ':') ? !digits(s, 2, &m) : (s->p < s->end && !digits(s, 2, &m)))
        return false;
    if (h > 23 || m > 59)
        return false;
    *off = sign * (h * 60 + m);
    return true;
}

/* A zone name into *off: UTC / GMT / Z, optionally followed by an offset,
** or a bare offset. NULL on success, else why not. */
static const char *parse_zone(const char *z, size_t n, int *off)
{
    scan s = {z, z + n};
    *off = 0;
    if (n == 1 && (*z == 'Z' || *z == 'z'))
        return NULL;
    if (n >= 3 && (pdk_ieqn(z, 3, "UTC") || pdk_ieqn(z, 3, "GMT")))
        s.p += 3;
    if (s.p == s.end)
        return NULL;
    if (offset_part(&s, off) && s.p == s.end)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (z[i] == '/')
            return "named time zones are not supported (no tz database in the sandbox); "
                   "give an offset such as +02:00";
    return "a time zone must be UTC or an offset such as +02:00, -0800 or UTC+5";
}

/* The time part "HH:MM[:SS[.fff]]" into ms of the day. */
static bool time_part(scan *s, int64_t *ms)
{
    int h, m, sec = 0, frac = 0, scale = 1;
    if (!digits(s, 2, &h) || !take(s, ':') || !digits(s, 2, &m))
        return false;
    if (take(s, ':')) {
        if (!digits(s, 2, &sec))
            return false;
        if (take(s, '.') || take(s, ',')) {
            const char *start = s->p;
            for (; s->p < s->end && *s->p >= '0' && *s->p <= '9'; s->p++)
                if (scale < 1000) {
                    frac = frac * 10 + (*s->p - '0');
                    scale *= 10;
                }
            if (s->p == start)
                return false;
        }
    }
    if (h > 23 || m > 59 || sec > 59)
        return false;
    *ms = ((int64_t)h * 3600 + m * 60 + sec) * 1000 + (int64_t)frac * (1000 / scale);
    return true;
}

/* ISO 8601 text into *t; zone_off is used when the text has no offset. */
static bool parse_iso(const char *text, size_t n, int zone_off, dt *t)
{
    scan s = {text, text + n};
    int y, m, d;
    int64_t tod = 0;
    if (!digits(&s, 4, &y) || !take(&s, '-') || !digits(&s, 2, &m) || !take(&s, '-') ||
        !digits(&s, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    bool has_time = take(&s, 'T') || take(&s, 't') || take(&s, ' ');
    if (has_time && !time_part(&s, &tod))
        return false;
    int off = zone_off;
    if (has_time && s.p < s.end)
        if (parse_zone(s.p, (size_t)(s.end - s.p), &off) != NULL)
            return false;
    if (!has_time && s.p != s.end)
        return false;
    t->offset_min = off;
    t->ms = days_from_civil(y, m, d) * MS_PER_DAY + tod - (int64_t)off * 60000;
    return true;
}

/* The "timezone" argument (absent: UTC). False with a message in out. */
static bool zone_arg(const pdk_jv *args, int *off, pdk_buf *out)
{
    const pdk_jv *z = pdk_jv_get(args, "timezone");
    *off = 0;
    if (pdk_jv_is_nothing(z))
        return true;
    if (!pdk_jv_is_string(z)) {
        pdk_buf_puts(out, "\"timezone\" must be a string");
        return false;
    }
    const char *why = parse_zone(z->u.s, z->n, off);
    if (why)
        pdk_buf_fmt(out, "timezone '%s': %s", z->u.s, why);
    return why == NULL;
}

/* A datetime argument (ISO text or Unix seconds) into *t. */
static bool datetime_arg(const pdk_jv *args, const char *key, int zone_off, dt *t, pdk_buf *out)
{
    const pdk_jv *v = pdk_jv_get(args, key);
    if (pdk_jv_is_number(v)) {
        double sec = pdk_jv_num(v, 0);
        if (!(sec > -62167219200.0 && sec < 253402300800.0)) { /* years 0000-9999 */
            pdk_buf_fmt(out, "\"%s\" is out of range (years 0000 to 9999)", key);
            return false;
        }
        t->ms = (int64_t)(sec * 1000 + (sec < 0 ? -0.5 : 0.5));
        t->offset_min = zone_off;
        return true;
    }
    if (pdk_jv_is_string(v) && parse_iso(v->u.s, v->n, zone_off, t))
        return true;
    if (pdk_jv_is_string(v))
        pdk_buf_fmt(out, "\"%s\" is not an ISO 8601 date or datetime: '%s' "
                         "(expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])", key, v->u.s);
    else
        pdk_buf_fmt(out, "\"%s\" (ISO 8601 text or Unix seconds) is required", key);
    return false;
}

/* ---- writing ------------------------------------------------------------ */

static void put2(pdk_buf *b, int v)
{
    char t[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
    pdk_buf_put(b, t, 2);
}

static void put_offset(pdk_buf *b, int off, bool colon)
{
    int a = off < 0 ? -off : off;
    pdk_buf_putc(b, off < 0 ? '-' : '+');
    put2(b, a / 60);
    if (colon)
        pdk_buf_putc(b, ':');
    put2(b, a % 60);
}

static void put_year(pdk_buf *b, int64_t y)
{
    put2(b, (int)(y / 100));
    put2(b, (int)(y % 100));
}

/* "2024-02-29T13:05:00Z", ".250" when there are milliseconds, "+05:30"
** for other offsets. */
static void put_iso(pdk_buf *b, const dt *t)
{
    civil c;
    to_civil(t, &c);
    put_year(b, c.y);
    pdk_buf_putc(b, '-');
    put2(b, c.m);
    pdk_buf_putc(b, '-');
    put2(b, c.d);
    pdk_buf_putc(b, 'T');
    put2(b, c.hh);
    pdk_buf_putc(b, ':');
    put2(b, c.mm);
    pdk_buf_putc(b, ':');
    put2(b, c.ss);
    if (c.ms) {
        pdk_buf_putc(b, '.');
        pdk_buf_putc(b, (char)('0' + c.ms / 100));
        put2(b, c.ms % 100);
    }
    if (t->offset_min == 0)
        pdk_buf_putc(b, 'Z');
    else
        put_offset(b, t->offset_min, true);
}

/* One conversion of format(); false for an unknown one. */
static bool put_directive(pdk_buf *b, char d, const dt *t, const civil *c)
{
    switch (d) {
    case 'Y': put_year(b, c->y); return true;
    case 'y': put2(b, (int)(c->y % 100)); return true;
    case 'm': put2(b, c->m); return true;
    case 'd': put2(b, c->d); return true;
    case 'e': pdk_buf_fmt(b, c->d < 10 ? " %d" : "%d", c->d); return true;
    case 'H': put2(b, c->hh); return true;
    case 'I': put2(b, c->hh % 12 ? c->hh % 12 : 12); return true;
    case 'M': put2(b, c->mm); return true;
    case 'S': put2(b, c->ss); return true;
    case 'L': pdk_buf_putc(b, (char)('0' + c->ms / 100)); put2(b, c->ms % 100); return true;
    case 'p': pdk_buf_puts(b, c->hh < 12 ? "AM" : "PM"); return true;
    case 'a': pdk_buf_put(b, weekdays[c->wday], 3); return true;
    case 'A': pdk_buf_puts(b, weekdays[c->wday]); return true;
    case 'b': pdk_buf_put(b, months[c->m - 1], 3); return true;
    case 'B': pdk_buf_puts(b, months[c->m - 1]); return true;
    case 'j': pdk_buf_fmt(b, "%d", c->yday + 1); return true;
    case 'u': pdk_buf_fmt(b, "%d", c->wday ? c->wday : 7); return true;
    case 'w': pdk_buf_fmt(b, "%d", c->wday); return true;
    case 'z': put_offset(b, t->offset_min, false); return true;
    case 'Z':
        if (t->offset_min)
            put_offset(b, t->offset_min, true);
        else
            pdk_buf_puts(b, "UTC");
        return true;
    case 's': pdk_buf_put_int(b, floor_div(t->ms, 1000)); return true;
    case 'n': pdk_buf_putc(b, '\n'); return true;
    case 't': pdk_buf_putc(b, '\t'); return true;
    case '%': pdk_buf_putc(b, '%'); return true;
    default: return false;
    }
}

/* strftime-like: %Y %y %m %d %e %H %I %M %S %L(ms) %p %a %A %b %B %j %u
** %w %z %Z %s %F %T %R %n %t %%. */
static bool format_dt(pdk_buf *b, const char *f, size_t n, const dt *t, pdk_buf *err)
{
    civil c;
    to_civil(t, &c);
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '%') {
            pdk_buf_putc(b, f[i]);
            continue;
        }
        char d = ++i < n ? f[i] : '\0';
        const char *expand = d == 'F' ? "%Y-%m-%d" : d == 'T' ? "%H:%M:%S" : d == 'R' ? "%H:%M"
                                                                                   : NULL;
        if (expand) {
            format_dt(b, expand, strlen(expand), t, err);
        } else if (!put_directive(b, d, t, &c)) {
            pdk_buf_fmt(err, "unknown format directive '%%%c'", d ? d : ' ');
            return false;
        }
    }
    return true;
}

/* ---- the tools ------------------------------------------------------------ */

static pdk_tool_rc tool_now(const pdk_jv *args, pdk_buf *out)
{
    int off;
    if (!zone_arg(args, &off, out))
        return PDK_TOOL_FAILED;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        pdk_buf_puts(out, "the host gives no clock");
        return PDK_TOOL_FAILED;
    }
    dt t = {(int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, off};
    const pdk_jv *f = pdk_jv_get(args, "format");
    if (pdk_jv_is_string(f)) {
        pdk_buf err = PDK_BUF_INIT;
        bool ok = format_dt(out, f->u.s, f->n, &t, &err);
        if (!ok) {
            pdk_buf_clear(out);
            pdk_buf_put(out, err.p, err.len);
        }
        pdk_buf_free(&err);
        return ok ? PDK_TOOL_OK : PDK_TOOL_FAILED;
    }
    put_iso(out, &t);
    return PDK_TOOL_OK;
}

static pdk_tool_rc tool_format(const pdk_jv *args, pdk_buf *out)
{
    const pdk_jv *f = pdk_jv_get(args, "format");
    if (!pdk_jv_is_string(f)) {
        pdk_buf_puts(out, "\"format\" (a string such as \"%A %d %B %Y\") is required");
        return PDK_TOOL_BAD_ARGS;
    }
    int off;
    dt t;
    if (!zone_arg(args, &off, out) || !datetime_arg(args, "datetime", off, &t, out))
        return PDK_TOOL_FAILED;
    if (!pdk_jv_is_nothing(pdk_jv_get(args, "timezone")))
        t.offset_min = off; /* shown in the zone asked for */
    pdk_buf err = PDK_BUF_INIT;
    bool ok = format_dt(out, f->u.s, f->n, &t, &err);
    if (!ok) {
        pdk_buf_clear(out);
        pdk_buf_put(out, err.p, err.len);
    }
    pdk_buf_free(&err);
    return ok ? PDK_TOOL_OK : PDK_TOOL_FAILED;
}

static pdk_tool_rc tool_add(const pdk_jv *args, pdk_buf *out)
{
    static const struct {
        const char *key;
        double ms;
    } units[] = {{"weeks", 7 * 86400e3}, {"days", 86400e3}, {"hours", 3600e3},
                 {"minutes", 60e3},      {"seconds", 1e3}};
    int off;
    dt t;
    if (!zone_arg(args, &off, out) || !datetime_arg(args, "datetime", off, &t, out))
        return PDK_TOOL_FAILED;
    double shift = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        const pdk_jv *v = pdk_jv_get(args, units[i].key);
        if (pdk_jv_is_nothing(v))
            continue;
        if (!pdk_jv_is_number(v)) {
            pdk_buf_fmt(out, "\"%s\" must be a number", units[i].key);
            return PDK_TOOL_BAD_ARGS;
        }
        shift += pdk_jv_num(v, 0) * units[i].ms;
    }
    double to = (double)t.ms + shift;
    if (!(to > -62167219200e3 && to < 253402300800e3)) {
        pdk_buf_puts(out, "the result is outside the years 0000 to 9999");
        return PDK_TOOL_FAILED;
    }
    t.ms = (int64_t)(to + (to < 0 ? -0.5 : 0.5));
    put_iso(out, &t);
    return PDK_TOOL_OK;
}

static pdk_tool_rc tool_diff(const pdk_jv *args, pdk_buf *out)
{
    static const struct {
        const char *name;
        double ms;
    } units[] = {{"seconds", 1e3}, {"minutes", 60e3}, {"hours", 3600e3},
                 {"days", 86400e3}, {"weeks", 7 * 86400e3}};
    int off;
    dt a, b;
    if (!zone_arg(args, &off, out) || !datetime_arg(args, "from", off, &a, out) ||
        !datetime_arg(args, "to", off, &b, out))
        return PDK_TOOL_FAILED;
    const char *unit = pdk_jv_str_or(pdk_jv_get(args, "unit"), "days");
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (pdk_streq(unit, units[i].name)) {
            pdk_buf_put_double(out, (double)(b.ms - a.ms) / units[i].ms);
            return PDK_TOOL_OK;
        }
    pdk_buf_fmt(out, "\"unit\" must be seconds, minutes, hours, days or weeks, not '%s'", unit);
    return PDK_TOOL_BAD_ARGS;
}

static pdk_tool_rc tool_weekday(const pdk_jv *args, pdk_buf *out)
{
    int off;
    dt t;
    if (!zone_arg(args, &off, out) || !datetime_arg(args, "date", off, &t, out))
        return PDK_TOOL_FAILED;
    civil c;
    to_civil(&t, &c);
    pdk_buf_puts(out, weekdays[c.wday]);
    return PDK_TOOL_OK;
}

#define TZ_PROP "\"timezone\":{\"type\":\"string\",\"description\":\"UTC or an offset: +02:00\"}"
#define DT_PROP(k, what) \
    "\"" k "\":{\"type\":[\"string\",\"number\"],\"description\":\"" what "\"}"

static const pdk_tool tools[] = {
    {"now", "The current date and time, in UTC or at a fixed offset; ISO 8601 unless "
            "a format is given.",
     "{\"type\":\"object\",\"properties\":{" TZ_PROP ",\"format\":{\"type\":\"string\","
     "\"description\":\"strftime-style, e.g. %A %d %B %Y %H:%M\"}},\"additionalProperties\":false}",
     tool_now},
    {"format", "Format a datetime with strftime directives (%Y %m %d %H %M %S %A %B %j %z ...).",
     "{\"type\":\"object\",\"properties\":{" DT_PROP("datetime", "ISO 8601 or Unix seconds")
     ",\"format\":{\"type\":\"string\"}," TZ_PROP "},\"required\":[\"datetime\",\"format\"],"
     "\"additionalProperties\":false}",
     tool_format},
    {"add", "Add (or, with negative numbers, subtract) weeks, days, hours, minutes and seconds "
            "to a datetime; returns ISO 8601.",
     "{\"type\":\"object\",\"properties\":{" DT_PROP("datetime", "ISO 8601 or Unix seconds")
     ",\"weeks\":{\"type\":\"number\"},\"days\":{\"type\":\"number\"},\"hours\":{\"type\":"
     "\"number\"},\"minutes\":{\"type\":\"number\"},\"seconds\":{\"type\":\"number\"},"
     TZ_PROP "},\"required\":[\"datetime\"],\"additionalProperties\":false}",
     tool_add},
    {"diff", "How long from one datetime to another (to - from), in days unless another unit "
             "is asked for.",
     "{\"type\":\"object\",\"properties\":{" DT_PROP("from", "ISO 8601 or Unix seconds") ","
     DT_PROP("to", "ISO 8601 or Unix seconds") ",\"unit\":{\"enum\":[\"seconds\",\"minutes\","
     "\"hours\",\"days\",\"weeks\"]}," TZ_PROP "},\"required\":[\"from\",\"to\"],"
     "\"additionalProperties\":false}",
     tool_diff},
    {"weekday", "The day of the week of a date.",
     "{\"type\":\"object\",\"properties\":{" DT_PROP("date", "ISO 8601 or Unix seconds") ","
     TZ_PROP "},\"required\":[\"date\"],\"additionalProperties\":false}",
     tool_weekday},
};

static const pdk_tool_plugin plugin = {
    "dev.plinth.datetime", "datetime", "0.1.0",
    "Dates and times: the current time, formatting, date arithmetic and weekdays.", tools,
    sizeof tools / sizeof tools[0]};

PDK_TOOL_PLUGIN(plugin)
