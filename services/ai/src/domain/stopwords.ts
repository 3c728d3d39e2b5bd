// Function words of the two reply languages (accents removed): ignored when ranking passages,
// counted to guess the customer's language.

export const PORTUGUESE_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a ao aos as bom com como da das de dia do dos e ela ele em entre era essa esse esta estou este eu foi " +
    "gostaria ha isso isto ja la lhe mais mas me meu minha muito na nas nao no noite nos o obrigada obrigado " +
    "oi ola os ou para pela pelo por pra preciso qual quando que quero sao se sem ser seu sim so sobre sua " +
    "tarde tem tenho ter um uma uns voce voces vou"
  ).split(" "),
);

export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about afternoon an and are as at be but by can could do does evening for from good have hello hey hi " +
    "how i id if im in is it its like me morning my need no not of on or please so thank thanks that the " +
    "there this to want was we what when where which who why will with would yes you your"
  ).split(" "),
);
