package dev.drover.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs small sample test classes through the JUnit launcher and checks what {@link
 * FixtureExtension} did around them: the order of opening, the test's own set-up, closing and the
 * deletion of its directories; a fixture whose opening aborts the test; a class without a field.
 */
class FixtureExtensionTest {

  // The samples run only when launched from here, not when a build tool finds them on its own.
  private static final String LAUNCHED = "drover.fixture-extension-sample";

  private static final List<String> events = new ArrayList<>();
  private static final List<Path> dirs = new ArrayList<>();
  private static boolean abortOpening;

  @BeforeEach
  void reset() {
    events.clear();
    dirs.clear();
    abortOpening = false;
  }

  @AfterEach
  void clearFlag() {
    System.clearProperty(LAUNCHED);
  }

  @Test
  void opensBeforeTheTestsOwnSetUpAndClosesAfterItsTearDownThenDeletesItsDirectory() {
    TestExecutionSummary summary = launch(Sample.class);
    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    assertThat(events)
        .containsExactly(
            "open",
            "setUp sees fixture 1 and its dir",
            "test",
            "tearDown",
            "close 1",
            "open",
            "setUp sees fixture 2 and its dir",
            "test",
            "tearDown",
            "close 2");
    assertThat(dirs).hasSize(2).noneMatch(Files::exists);
  }

  @Test
  void aFixtureThatAbortsTheTestIsNeitherInjectedNorClosedAndItsDirectoryGoes() {
    abortOpening = true;
    TestExecutionSummary summary = launch(Sample.class);
    assertThat(summary.getTestsAbortedCount()).isEqualTo(2);
    assertThat(events).containsExactly("open", "open");
    assertThat(dirs).hasSize(2).noneMatch(Files::exists);
  }

  @Test
  void aClassWithoutAFieldOfTheFixturesTypeFailsAndStillClosesTheFixture() {
    TestExecutionSummary summary = launch(NoField.class);
    assertThat(summary.getTestsFailedCount()).isEqualTo(1);
    assertThat(summary.getFailures().get(0).getException())
        .hasMessageContaining("no instance field of type " + Counter.class.getName());
    assertThat(events).containsExactly("open", "close 1");
  }

  private static TestExecutionSummary launch(Class<?> sample) {
    System.setProperty(LAUNCHED, "true");
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request().selectors(selectClass(sample)).build(),
            listener);
    return listener.getSummary();
  }

  /** The sample fixture: numbered in opening order, with a directory from the extension. */
  record Counter(int number, Path dir) implements AutoCloseable {
    @Override
    public void close() {
      events.add("close " + number);
    }
  }

  static final class CounterExtension extends FixtureExtension<Counter> {
    private int opened;

    CounterExtension() {
      super(Counter.class);
    }

    @Override
    protected Counter open(ExtensionContext context) throws IOException {
      events.add("open");
      Path dir = tempDir(context);
      dirs.add(dir);
      Files.writeString(dir.resolve("data"), "x");
      Assumptions.assumeFalse(abortOpening, "opening aborted");
      return new Counter(++opened, dir);
    }

    @Override
    protected Map<Class<?>, Object> fieldValues(Counter counter) {
      return Map.of(Counter.class, counter, Path.class, counter.dir());
    }
  }

  @EnabledIfSystemProperty(named = LAUNCHED, matches = "true")
  @ExtendWith(CounterExtension.class)
  static class Sample {
    Counter counter;
    Path dir;

    @BeforeEach
    void setUp() {
      events.add(
          "setUp sees fixture " + counter.number() + (dir == counter.dir() ? " and its dir" : ""));
    }

    @Test
    void first() {
      events.add("test");
    }

    @Test
    void second() {
      events.add("test");
    }

    @AfterEach
    void tearDown() {
      events.add("tearDown");
    }
  }

  @EnabledIfSystemProperty(named = LAUNCHED, matches = "true")
  @ExtendWith(CounterExtension.class)
  static class NoField {
    @Test
    void test() {
      events.add("test without a fixture");
    }
  }
}
