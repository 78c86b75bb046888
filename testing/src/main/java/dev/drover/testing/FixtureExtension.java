package dev.drover.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * A JUnit 5 extension that opens one fixture before each test and closes it after the test, so that
 * test classes do not each repeat the same set-up and tear-down methods. The fixture is put into
 * every non-final instance field of the test class (or its superclasses) declared with exactly the
 * fixture's type (see {@link #fieldValues}), before the class's own {@code @BeforeEach} methods
 * run, which may then add to it.
 *
 * <p>A subclass says how to open one fixture. {@link #open} may first abort or fail the test (a
 * missing daemon, say) just as a {@code @BeforeEach} method would; the fixture is then not opened
 * and nothing is closed. Directories it asks for with {@link #tempDir} are deleted after the
 * fixture is closed, even when closing fails.
 *
 * @param <T> the fixture's type
 */
public abstract class FixtureExtension<T extends AutoCloseable>
    implements BeforeEachCallback, AfterEachCallback {

  private static final Namespace NAMESPACE = Namespace.create(FixtureExtension.class);

  private final Class<T> type;

  /** An extension for fixtures of {@code type}, the declared type of the fields it fills. */
  protected FixtureExtension(Class<T> type) {
    this.type = type;
  }

  /** Opens the fixture of the test that {@code context} describes. */
  protected abstract T open(ExtensionContext context) throws Exception;

  /** A new empty directory that lives until the current test's fixture is closed. */
  protected final Path tempDir(ExtensionContext context) throws IOException {
    Path dir = Files.createTempDirectory("drover-" + type.getSimpleName());
    opened(context).dirs.add(dir);
    return dir;
  }

  @Override
  public final void beforeEach(ExtensionContext context) throws Exception {
    context.getStore(NAMESPACE).put(this, new Opened());
    T fixture = open(context);
    opened(context).fixture = fixture;
    Object test = context.getRequiredTestInstance();
    Map<Class<?>, Object> values = fieldValues(fixture);
    boolean filled = false;
    for (Class<?> c = test.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (values.containsKey(field.getType())
            && !Modifier.isStatic(modifiers)
            && !Modifier.isFinal(modifiers)) {
          field.setAccessible(true);
          field.set(test, values.get(field.getType()));
          filled = true;
        }
      }
    }
    if (!filled) {
      throw new ExtensionConfigurationException(
          getClass().getSimpleName()
              + " found no instance field of type "
              + type.getName()
              + " in "
              + test.getClass().getName());
    }
  }

  /**
   * What goes into the test's fields, by their declared type: the fixture itself and, where a
   * subclass adds them, parts of it that tests use directly (so that no test copies them out in a
   * set-up method of its own).
   */
  protected Map<Class<?>, Object> fieldValues(T fixture) {
    return Map.of(type, fixture);
  }

  @Override
  public final void afterEach(ExtensionContext context) throws Exception {
    Opened opened = context.getStore(NAMESPACE).remove(this, Opened.class);
    if (opened == null) {
      return;
    }
    try {
      if (opened.fixture != null) {
        opened.fixture.close();
      }
    } finally {
      for (Path dir : opened.dirs) {
        deleteTree(dir);
      }
    }
  }

  private Opened opened(ExtensionContext context) {
    Opened opened = context.getStore(NAMESPACE).get(this, Opened.class);
    if (opened == null) {
      throw new IllegalStateException("no test of " + getClass().getSimpleName() + " is running");
    }
    return opened;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      // Deepest first, so that each directory is empty when its turn comes.
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** What one test opened: its fixture (once open) and the directories to delete after it. */
  private final class Opened {
    T fixture;
    final List<Path> dirs = new ArrayList<>();
  }
}
