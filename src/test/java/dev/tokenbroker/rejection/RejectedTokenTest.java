package dev.tokenbroker.rejection;

import dev.tokenbroker.testing.ImsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@link RejectedTokenCases} on one replica with its in-process cache only. */
@QuarkusTest
@WithTestResource(ImsResource.class)
class RejectedTokenTest extends RejectedTokenCases {}
