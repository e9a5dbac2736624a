"""Admin tools for the Rust Amplify Studio login triggers: check a Studio pool, move it onto the
Rust functions beside its Node.js originals (one UpdateUserPool), switch it back, retire the
originals. Needs boto3 (requirements.txt); `migrate` also needs the SAM CLI."""
