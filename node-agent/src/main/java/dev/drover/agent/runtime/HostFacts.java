package dev.drover.agent.runtime;

/**
 * Capacity and identity of the host as a runtime sees it.
 *
 * @param cpus number of CPUs
 * @param memoryBytes total memory
 * @param os operating system
 * @param architecture CPU architecture
 * @param kernelVersion kernel version
 * @param runtimeVersion e.g. {@code docker://27.1.0}
 * @param osImage operating system image
 */
public record HostFacts(
    int cpus,
    long memoryBytes,
    String os,
    String architecture,
    String kernelVersion,
    String runtimeVersion,
    String osImage) {}
