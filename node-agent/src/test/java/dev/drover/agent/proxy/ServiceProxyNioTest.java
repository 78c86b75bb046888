package dev.drover.agent.proxy;

/**
 * Every {@link ServiceProxyTest} case again on the NIO transport, the fallback where epoll is not.
 */
class ServiceProxyNioTest extends ServiceProxyTest {
  @Override
  ProxyConfig.Transport transport() {
    return ProxyConfig.Transport.NIO;
  }
}
