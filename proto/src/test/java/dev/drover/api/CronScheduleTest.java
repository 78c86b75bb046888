package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Cron parsing and next-run times, in UTC and across daylight saving changes. */
class CronScheduleTest {
  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static Instant next(String schedule, ZoneId zone, String after) {
    return CronSchedule.parse(schedule, zone).next(Instant.parse(after)).orElseThrow();
  }

  private static List<Instant> runs(String schedule, ZoneId zone, String after, int count) {
    CronSchedule cron = CronSchedule.parse(schedule, zone);
    List<Instant> out = new ArrayList<>();
    Instant t = Instant.parse(after);
    for (int i = 0; i < count; i++) {
      t = cron.next(t).orElseThrow();
      out.add(t);
    }
    return out;
  }

  @ParameterizedTest(name = "{0} after {1}")
  @CsvSource({
    "'*/15 * * * *', 2026-01-07T10:07:30Z, 2026-01-07T10:15:00Z",
    "'*/15 * * * *', 2026-01-07T10:15:00Z, 2026-01-07T10:30:00Z",
    "'5/20 * * * *', 2026-01-07T10:26:00Z, 2026-01-07T10:45:00Z",
    "'0-30/10 8 * * *', 2026-01-07T08:21:00Z, 2026-01-07T08:30:00Z",
    "'0-30/10 8 * * *', 2026-01-07T08:31:00Z, 2026-01-08T08:00:00Z",
    // 2026-01-09 is a Friday: the next weekday run is on Monday.
    "'0 9 * * mon-fri', 2026-01-09T10:00:00Z, 2026-01-12T09:00:00Z",
    "'0 9 * * 1-5', 2026-01-09T10:00:00Z, 2026-01-12T09:00:00Z",
    "'0 0 * * 7', 2026-01-07T00:00:00Z, 2026-01-11T00:00:00Z",
    "'0 0 * * SUN', 2026-01-07T00:00:00Z, 2026-01-11T00:00:00Z",
    "'0 0 1 jul,JAN *', 2026-02-01T00:00:00Z, 2026-07-01T00:00:00Z",
    "'0 0 1 JAN-MAR/2 *', 2026-01-01T00:00:00Z, 2026-03-01T00:00:00Z",
    "'15 3,4 * * *', 2026-01-07T03:15:00Z, 2026-01-07T04:15:00Z",
    // Both day fields restricted: either matches (the 13th, or a Friday: 2026-01-09).
    "'0 0 13 * 5', 2026-01-07T00:00:00Z, 2026-01-09T00:00:00Z",
    "'0 0 13 * 5', 2026-01-10T00:00:00Z, 2026-01-13T00:00:00Z",
    // One of them is *: both must match (a Friday the 13th: 2026-02-13).
    "'0 0 13 * *', 2026-01-14T00:00:00Z, 2026-02-13T00:00:00Z",
    "'0 0 ? * 5', 2026-01-10T00:00:00Z, 2026-01-16T00:00:00Z",
    "'0 0 29 2 *', 2026-01-01T00:00:00Z, 2028-02-29T00:00:00Z",
    "'@hourly', 2026-01-07T10:00:00Z, 2026-01-07T11:00:00Z",
    "'@daily', 2026-01-07T10:00:00Z, 2026-01-08T00:00:00Z",
    "'@midnight', 2026-01-07T10:00:00Z, 2026-01-08T00:00:00Z",
    "'@weekly', 2026-01-07T10:00:00Z, 2026-01-11T00:00:00Z",
    "'@monthly', 2026-01-07T10:00:00Z, 2026-02-01T00:00:00Z",
    "'@yearly', 2026-01-07T10:00:00Z, 2027-01-01T00:00:00Z",
    "'@annually', 2026-01-07T10:00:00Z, 2027-01-01T00:00:00Z",
  })
  void nextRunInUtc(String schedule, String after, String expected) {
    assertThat(next(schedule, UTC, after)).isEqualTo(Instant.parse(expected));
  }

  @Test
  void wallClockTimeFollowsTheZonesOffset() {
    // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    assertThat(next("0 9 * * *", BERLIN, "2026-01-07T12:00:00Z"))
        .isEqualTo(Instant.parse("2026-01-08T08:00:00Z"));
    assertThat(next("0 9 * * *", BERLIN, "2026-07-07T12:00:00Z"))
        .isEqualTo(Instant.parse("2026-07-08T07:00:00Z"));
  }

  @Test
  void aTimeSkippedWhenClocksGoForwardRunsOnceShiftedByTheGap() {
    // 2026-03-29: Berlin goes from 02:00 CET to 03:00 CEST; 02:30 does not exist that day.
    assertThat(runs("30 2 * * *", BERLIN, "2026-03-28T12:00:00Z", 2))
        .containsExactly(
            Instant.parse("2026-03-29T01:30:00Z"), // 03:30 CEST
            Instant.parse("2026-03-30T00:30:00Z")); // 02:30 CEST
  }

  @Test
  void aTimeThatOccursTwiceWhenClocksGoBackRunsOnce() {
    // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    assertThat(runs("30 2 * * *", BERLIN, "2026-10-24T12:00:00Z", 2))
        .containsExactly(
            Instant.parse("2026-10-25T00:30:00Z"), // the first 02:30 (CEST)
            Instant.parse("2026-10-26T01:30:00Z")); // 02:30 CET the next day
  }

  @Test
  void hourlyRunsOncePerRealHourAcrossTheSpringGap() {
    assertThat(runs("0 * * * *", BERLIN, "2026-03-29T00:30:00Z", 3))
        .containsExactly(
            Instant.parse("2026-03-29T01:00:00Z"), // 02:00 CET does not exist: 03:00 CEST
            Instant.parse("2026-03-29T02:00:00Z"),
            Instant.parse("2026-03-29T03:00:00Z"));
  }

  @Test
  void impossibleDateNeverRuns() {
    assertThat(CronSchedule.parse("0 0 30 2 *", UTC).next(Instant.parse("2026-01-01T00:00:00Z")))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "5-1 * * * *",
        "*/0 * * * *",
        "a * * * *",
        "1,,2 * * * *",
        "* * * FOO *",
        "@every 5m",
        "@reboot",
        "TZ=UTC 0 * * * *",
        "CRON_TZ=UTC 0 * * * *"
      })
  void refusesBadSchedules(String schedule) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule, UTC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("Exception");
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("0 25 * * *", UTC))
        .hasMessage("hour field \"25\": 25 is out of range 0-23");
    assertThatThrownBy(() -> CronSchedule.zone("Mars/Olympus"))
        .hasMessage("unknown time zone \"Mars/Olympus\"");
  }
}
