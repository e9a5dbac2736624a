// Studio's verify-auth-challenge as ../shared/reference/SPEC.md describes it, for the Studio-shaped
// test pools of a clone that has no seed page (the real original is extracted from that page only
// for the side-by-side tests). Same shape and the same weaknesses as the original: GetToken, a
// plain === comparison, DeleteToken whatever the outcome, any exception (NotFound included) sets
// answerCorrect=false and becomes a function error through context.done; ENDPOINT is honoured.
// tests/e2e/test_node_original.py checks that it answers like the real original.
const { AmplifyBackendClient, GetTokenCommand, DeleteTokenCommand } = require('@aws-sdk/client-amplifybackend');

exports.handler = async (event, context) => {
  try {
    const { appId, sessionId } = event.request.clientMetadata;
    const answer = event.request.challengeAnswer;
    const backend = new AmplifyBackendClient(process.env.ENDPOINT ? { endpoint: process.env.ENDPOINT } : {});
    const token = await backend.send(new GetTokenCommand({ AppId: appId, SessionId: sessionId }));
    const code = token.ChallengeCode;
    event.response.answerCorrect = Boolean(code && answer && answer === code);
    await backend.send(new DeleteTokenCommand({ AppId: appId, SessionId: sessionId }));
    console.log(`verified challenge code with result: ${event.response.answerCorrect}`);
    context.done(null, event);
    return event;
  } catch (e) {
    console.error('exception occurred during verify', e);
    event.response.answerCorrect = false;
    context.done(e, event);
  }
};
