package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.deploymentWithStatus;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code rollout promote}, and {@code rollout status} and {@code describe} on a canary rollout. */
@ExtendWith(CliHarnessExtension.class)
class CanaryRolloutTest {

  CliHarness cli;

  /** A deployment of 10 pods, 2 of them on the new revision, at its first canary step of two. */
  private void canaryAtFirstStep(CanaryStrategy.Builder strategy, Instant pausedSince) {
    Deployment.Builder d = deploymentWithStatus("web", 10, 10);
    d.getSpecBuilder().setCanary(strategy.addSteps(2).addSteps(5).addSteps(10));
    d.getStatusBuilder()
        .setUpdatedReplicas(2)
        .setCanary(
            CanaryStatus.newBuilder()
                .setCurrentStep(0)
                .setStepReplicas(2)
                .setWaiting(true)
                .setPausedSince(ApiObjects.timestamp(pausedSince)));
    cli.service.put(wrap(d), CliHarness.NOW);
  }

  @Test
  void statusEndsAtAStepThatWaitsForPromotionAndSaysHowToPromote() {
    canaryAtFirstStep(CanaryStrategy.newBuilder(), CliHarness.NOW);
    Result r = cli.run("rollout", "status", "deployment/web");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "deployment.apps/web: 10/10 ready (canary step 1 of 2 (2 pods of the new revision)"
                + " reached: waiting for promotion (drover rollout promote deployment/web))\n"
                + "deployment.apps/web waits for promotion at canary step 1 of 2 (2 pods of the"
                + " new revision); continue with: drover rollout promote deployment/web\n");
    assertThat(cli.run("describe", "deployment/web").out())
        .contains(
            "Canary:       canary step 1 of 2 (2 pods of the new revision) reached: waiting for"
                + " promotion (drover rollout promote deployment/web)\n");
  }

  @Test
  void statusKeepsWaitingThroughATimedPauseAndShowsTheTimeLeft() {
    cli.clock = Clock.systemUTC();
    canaryAtFirstStep(CanaryStrategy.newBuilder().setPauseSeconds(3600), Instant.now());
    Result r = cli.run("rollout", "status", "deployment/web", "--timeout", "1s");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out())
        .matches(
            "deployment\\.apps/web: 10/10 ready \\(canary step 1 of 2 \\(2 pods of the new"
                + " revision\\) reached: continues by itself in 5[89]m \\(or now with drover"
                + " rollout promote deployment/web\\)\\)\n");
    assertThat(r.err()).startsWith("error: timed out after 1s waiting for deployment.apps/web");
  }

  @Test
  void promoteAsksTheServerToPassOneStepOrEveryStep() {
    canaryAtFirstStep(CanaryStrategy.newBuilder(), CliHarness.NOW);
    assertThat(cli.run("rollout", "promote", "deployment/web").out())
        .isEqualTo("deployment.apps/web promoted\n");
    RolloutActionRequest one = (RolloutActionRequest) cli.service.requests.get(0);
    assertThat(one.getAction()).isEqualTo(RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE);
    assertThat(one.getAllSteps()).isFalse();
    assertThat(cli.run("rollout", "promote", "web", "--all-steps").out())
        .isEqualTo("deployment.apps/web promoted past every canary step\n");
    RolloutActionRequest all = (RolloutActionRequest) cli.service.requests.get(1);
    assertThat(all.getAllSteps()).isTrue();
    assertThat(all.getName()).isEqualTo("web");
  }
}
