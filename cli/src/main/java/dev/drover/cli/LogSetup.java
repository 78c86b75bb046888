package dev.drover.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The drover command's logging, set up in code when logback starts (found as a service): quiet for
 * client verbs (their output is the answer), the daemons' own lines on stderr at {@code
 * DROVER_LOG_LEVEL} (a system property or environment variable; INFO by default), and only warnings
 * from the libraries underneath. In code rather than a logback.xml because parsing XML loads
 * logback's configuration framework and the JDK's SAX parser, about 400 classes and 2 MB that stay
 * in every agent for its lifetime. A {@code logback-test.xml} or {@code logback.xml} on the class
 * path, or {@code -Dlogback.configurationFile}, takes over as before.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null
        || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    context.getLogger("dev.drover").setLevel(Level.toLevel(droverLevel(), Level.INFO));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** The level asked for, looked up as logback's {@code ${DROVER_LOG_LEVEL:-INFO}} did. */
  static String droverLevel() {
    String level = System.getProperty("DROVER_LOG_LEVEL");
    if (level == null) {
      level = System.getenv("DROVER_LOG_LEVEL");
    }
    return level == null ? "INFO" : level;
  }
}
