package dev.drover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LogSetupTest {

  @AfterEach
  void clearProperties() {
    System.clearProperty("DROVER_LOG_LEVEL");
    System.clearProperty("logback.configurationFile");
  }

  @Test
  void configuresWhatTheXmlDid() {
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("dev.drover").getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("dev.drover.agent").getEffectiveLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("io.grpc").getEffectiveLevel()).isEqualTo(Level.WARN);
    var appender = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(appender.isStarted()).isTrue();
    assertThat(appender.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) appender.getEncoder()).getPattern())
        .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n");
  }

  @Test
  void droverLogLevelPropertySetsOurLevel() {
    System.setProperty("DROVER_LOG_LEVEL", "DEBUG");
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    setup.configure(context);

    assertThat(context.getLogger("dev.drover").getLevel()).isEqualTo(Level.DEBUG);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void anExplicitConfigurationFileTakesOver() {
    System.setProperty("logback.configurationFile", "/nonexistent/logback.xml");
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext())
        .isFalse();
  }

  @Test
  void logbackFindsItAsAService() {
    assertThat(ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream())
        .anyMatch(p -> p.type() == LogSetup.class);
  }
}
