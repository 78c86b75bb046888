package dev.drover.api;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A CronJob schedule: the five cron fields (minute, hour, day of month, month, day of week) with
 * {@code *}, values, ranges ({@code 1-5}), steps ({@code *}{@code /15}, {@code 0-30/10}, {@code
 * 5/20}), lists ({@code 1,15}), month and day names ({@code JAN}, {@code mon-fri}), {@code ?} for
 * {@code *}, 7 for Sunday, and the macros {@code @yearly} ({@code @annually}), {@code @monthly},
 * {@code @weekly}, {@code @daily} ({@code @midnight}) and {@code @hourly}, read in a time zone.
 *
 * <p>As in cron, when both day fields are restricted a day matches either; when one of them is
 * {@code *} (or {@code ?}), it matches the other. Across daylight saving time changes each
 * scheduled wall-clock time runs once: a time that does not exist (skipped when clocks go forward)
 * runs shifted by the length of the gap (02:30 becomes 03:30), and a time that occurs twice (when
 * clocks go back) runs at its first occurrence only.
 */
public final class CronSchedule {
  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
  // No schedule of valid fields is further apart than this (Feb 29 on a given weekday: 28 years).
  private static final int SEARCH_YEARS = 30;

  private final String text;
  private final ZoneId zone;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private CronSchedule(String text, ZoneId zone, String[] fields) {
    this.text = text;
    this.zone = zone;
    this.minutes = field(fields[0], "minute", 0, 59, List.of());
    this.hours = field(fields[1], "hour", 0, 23, List.of());
    this.daysOfMonth = field(fields[2], "day of month", 1, 31, List.of());
    this.months = field(fields[3], "month", 1, 12, MONTHS);
    BitSet dow = field(fields[4], "day of week", 0, 7, DAYS);
    if (dow.get(7)) {
      dow.set(0);
    }
    this.daysOfWeek = dow;
    this.anyDayOfMonth = isStar(fields[2]);
    this.anyDayOfWeek = isStar(fields[4]);
  }

  /**
   * Parses a schedule read in {@code zone}.
   *
   * @throws IllegalArgumentException naming the bad field and why
   */
  public static CronSchedule parse(String schedule, ZoneId zone) {
    String text = schedule.trim();
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty schedule");
    }
    if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) {
      throw new IllegalArgumentException(
          "a time zone in the schedule is not supported: use timeZone");
    }
    String expanded = text;
    if (text.startsWith("@")) {
      expanded = MACROS.get(text.toLowerCase(Locale.ROOT));
      if (expanded == null) {
        throw new IllegalArgumentException(
            "unknown macro "
                + text
                + "; one of @yearly, @annually, @monthly, @weekly, @daily,"
                + " @midnight, @hourly");
      }
    }
    String[] fields = expanded.split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "expected 5 fields (minute hour day-of-month month day-of-week), found " + fields.length);
    }
    return new CronSchedule(text, zone, fields);
  }

  /**
   * Resolves a CronJob's time zone: an IANA name, or UTC when {@code name} is empty.
   *
   * @throws IllegalArgumentException for an unknown zone
   */
  public static ZoneId zone(String name) {
    if (name.isEmpty()) {
      return ZoneId.of("UTC");
    }
    try {
      return ZoneId.of(name);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone \"" + name + "\"");
    }
  }

  /** The schedule as written. */
  public String text() {
    return text;
  }

  /** The zone the schedule is read in. */
  public ZoneId zone() {
    return zone;
  }

  /** The first scheduled instant strictly after {@code after}; empty if it never runs. */
  public Optional<Instant> next(Instant after) {
    LocalDateTime t =
        ZonedDateTime.ofInstant(after, zone)
            .toLocalDateTime()
            .truncatedTo(ChronoUnit.MINUTES)
            .plusMinutes(1);
    LocalDateTime limit = t.plusYears(SEARCH_YEARS);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).toLocalDate().atStartOfDay().plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.toLocalDate().atStartOfDay().plusDays(1);
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        // ofLocal shifts a time in a gap forward by the gap and picks the earlier offset in an
        // overlap; a time whose instant is not after `after` ran already (its first occurrence).
        Instant at = ZonedDateTime.ofLocal(t, zone, null).toInstant();
        if (at.isAfter(after)) {
          return Optional.of(at);
        }
        t = t.plusMinutes(1);
      }
    }
    return Optional.empty();
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = daysOfMonth.get(t.getDayOfMonth());
    boolean dow = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
    if (anyDayOfMonth || anyDayOfWeek) {
      return dom && dow;
    }
    return dom || dow;
  }

  private static boolean isStar(String field) {
    return field.equals("*") || field.equals("?");
  }

  private static BitSet field(String text, String what, int min, int max, List<String> names) {
    BitSet bits = new BitSet(max + 1);
    for (String part : text.split(",", -1)) {
      if (part.isEmpty()) {
        throw bad(what, text, "empty list item");
      }
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), what, part, 1, Integer.MAX_VALUE, List.of());
        range = part.substring(0, slash);
      }
      int from;
      int to;
      if (isStar(range)) {
        from = min;
        to = max;
      } else {
        int dash = range.indexOf('-');
        if (dash >= 0) {
          from = number(range.substring(0, dash), what, part, min, max, names);
          to = number(range.substring(dash + 1), what, part, min, max, names);
          if (to < from) {
            throw bad(what, part, "range ends before it starts");
          }
        } else {
          from = number(range, what, part, min, max, names);
          // "5/20" means from 5 to the end in steps of 20, as in cron.
          to = slash >= 0 ? max : from;
        }
      }
      for (int i = from; i <= to; i += step) {
        bits.set(i);
      }
    }
    return bits;
  }

  private static int number(
      String text, String what, String part, int min, int max, List<String> names) {
    int index = names.indexOf(text.toUpperCase(Locale.ROOT));
    int value;
    if (index >= 0) {
      value = index + (names.size() == 12 ? 1 : 0);
    } else {
      if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 9) {
        throw bad(
            what, part, "\"" + text + "\" is not a number" + (names.isEmpty() ? "" : " or name"));
      }
      value = Integer.parseInt(text);
    }
    if (value < min || value > max) {
      throw bad(what, part, value + " is out of range " + min + "-" + max);
    }
    return value;
  }

  private static IllegalArgumentException bad(String what, String text, String why) {
    return new IllegalArgumentException(what + " field \"" + text + "\": " + why);
  }

  @Override
  public String toString() {
    return text + (zone.getId().equals("UTC") ? "" : " (" + zone.getId() + ")");
  }
}
