"""Operations on deployed environments (``make shift``): AWS API calls, never at synth time."""
