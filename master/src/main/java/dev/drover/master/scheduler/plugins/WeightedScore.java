package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ScorePlugin;

/** A score plugin's name and configured weight, kept for its subclasses. */
abstract class WeightedScore implements ScorePlugin {

  private final String name;
  private final int weight;

  WeightedScore(String name, int weight) {
    this.name = name;
    this.weight = weight;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int weight() {
    return weight;
  }
}
