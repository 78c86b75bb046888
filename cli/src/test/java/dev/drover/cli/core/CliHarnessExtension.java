package dev.drover.cli.core;

import dev.drover.testing.FixtureExtension;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test of a class annotated {@code @ExtendWith(CliHarnessExtension.class)} a fresh
 * {@link CliHarness} in its {@code CliHarness} field, with HOME in a temporary directory of its
 * own, and closes it after the test.
 */
public final class CliHarnessExtension extends FixtureExtension<CliHarness> {

  public CliHarnessExtension() {
    super(CliHarness.class);
  }

  @Override
  protected CliHarness open(ExtensionContext context) throws Exception {
    return new CliHarness(tempDir(context));
  }
}
